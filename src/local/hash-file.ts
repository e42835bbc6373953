import { createReadStream, promises as fsp } from 'node:fs';
import { ContentChecker, type ContentCheck } from '../core/content-check.js';
import { qetag, QETAG_BLOCK, QetagHasher } from '../core/qetag.js';
import type { RemoteObject } from '../core/types.js';
import { readWhole } from './read-whole.js';

/** Files up to this size are hashed from one read into a buffer of their size (no stream, no 4 MiB buffer). */
const WHOLE_READ_LIMIT = 1 << 20;

/** qetag of a local file: a small one read whole, a larger one streamed in 4 MiB reads (constant memory). */
export async function hashFile(absPath: string): Promise<string> {
  const fh = await fsp.open(absPath, 'r');
  try {
    const { size } = await fh.stat();
    if (size <= WHOLE_READ_LIMIT) {
      return qetag(await readWhole(fh, size));
    }
    const hasher = new QetagHasher();
    for await (const chunk of fh.createReadStream({ highWaterMark: QETAG_BLOCK, autoClose: false })) hasher.update(chunk as Buffer);
    return hasher.digest();
  } finally {
    await fh.close();
  }
}

/** Check a local file against an object in one pass (its qetag comes with it): see `ContentChecker`. */
export async function checkFile(absPath: string, object: Pick<RemoteObject, 'hash' | 'fsize' | 'parts' | 'md5'>): Promise<ContentCheck> {
  const checker = new ContentChecker(object);
  for await (const chunk of createReadStream(absPath, { highWaterMark: QETAG_BLOCK })) checker.update(chunk as Buffer);
  return checker.finish();
}
