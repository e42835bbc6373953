import { promises as fsp } from 'node:fs';
import { qetag } from '../core/qetag.js';
import { LocalChangedError } from '../errors.js';

/**
 * A small file read whole into memory, with its qetag: the bytes sent are then exactly one version of the file. A
 * file whose size or mtime moved while it was read (a writer in the middle) is refused with LocalChangedError.
 */
export async function readSnapshot(absPath: string, name: string): Promise<{ bytes: Buffer; hash: string }> {
  const fh = await fsp.open(absPath, 'r');
  try {
    const before = await fh.stat();
    const bytes = await fh.readFile();
    const after = await fh.stat();
    if (bytes.length !== after.size || before.size !== after.size || before.mtimeMs !== after.mtimeMs) {
      throw new LocalChangedError(name, 'it was written to while it was read');
    }
    return { bytes, hash: qetag(bytes) };
  } finally {
    await fh.close();
  }
}
