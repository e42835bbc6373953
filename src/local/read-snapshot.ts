import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { qetag } from '../core/qetag.js';
import { LocalChangedError } from '../errors.js';

/**
 * A small file read whole into memory, with its qetag: the bytes sent are then exactly one version of the file.
 * With `expectHash` (its qetag when the run planned it) the bytes must be that version, else LocalChangedError: a
 * read torn by a writer cannot hash to it. Without, a file whose size or mtime moved while it was read is refused
 * with LocalChangedError, and with `expectStat` (its size and mtime when the run planned it) it must still have those
 * when it is opened. null when the file is larger than `maxBytes` (nothing read): the caller sends it another way.
 *
 * Synchronous calls, like the small-download path (local/partial-file.ts writeSmallPart): the file was walked moments before the upload,
 * so open, fstat, read (at most `maxBytes`, from the page cache) and close return in microseconds, where each would
 * otherwise be a thread-pool round trip; per small file that was most of an upload's local cost.
 */
export function readSnapshot(
  absPath: string,
  name: string,
  opts: { maxBytes?: number; expectHash?: string; expectStat?: { size: number; mtimeMs: number } } = {},
): { bytes: Buffer; hash: string } | null {
  const fd = openSync(absPath, 'r');
  try {
    const before = fstatSync(fd);
    if (before.size > (opts.maxBytes ?? Infinity)) return null;
    if (opts.expectStat && (before.size !== opts.expectStat.size || before.mtimeMs !== opts.expectStat.mtimeMs)) {
      throw new LocalChangedError(name, 'it changed since the run looked at it');
    }
    const bytes = readWholeSync(fd, before.size);
    const hash = qetag(bytes);
    if (opts.expectHash !== undefined) {
      if (hash !== opts.expectHash) throw new LocalChangedError(name, 'its bytes are not those it had when the run looked at it');
      return { bytes, hash };
    }
    const after = fstatSync(fd);
    if (bytes.length !== after.size || before.size !== after.size || before.mtimeMs !== after.mtimeMs) {
      throw new LocalChangedError(name, 'it was written to while it was read');
    }
    return { bytes, hash };
  } finally {
    closeSync(fd);
  }
}

/** The first `size` bytes (fewer if the file ends sooner), in a buffer of exactly that size. */
function readWholeSync(fd: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, bytes, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return got === size ? bytes : bytes.subarray(0, got);
}
