import { promises as fsp } from 'node:fs';
import { qetag } from '../core/qetag.js';
import { LocalChangedError } from '../errors.js';
import { readWhole } from './read-whole.js';

/**
 * A small file read whole into memory, with its qetag: the bytes sent are then exactly one version of the file. A
 * file whose size or mtime moved while it was read (a writer in the middle) is refused with LocalChangedError.
 * null when the file is larger than `maxBytes` (nothing read): the caller sends it another way.
 */
export async function readSnapshot(absPath: string, name: string, maxBytes = Infinity): Promise<{ bytes: Buffer; hash: string } | null> {
  const fh = await fsp.open(absPath, 'r');
  try {
    const before = await fh.stat();
    if (before.size > maxBytes) return null;
    const bytes = await readWhole(fh, before.size);
    const after = await fh.stat();
    if (bytes.length !== after.size || before.size !== after.size || before.mtimeMs !== after.mtimeMs) {
      throw new LocalChangedError(name, 'it was written to while it was read');
    }
    return { bytes, hash: qetag(bytes) };
  } finally {
    await fh.close();
  }
}
