import { createReadStream } from 'node:fs';
import { ContentChecker, type ContentCheck } from '../core/content-check.js';
import { QETAG_BLOCK, QetagHasher } from '../core/qetag.js';
import type { RemoteObject } from '../core/types.js';

/** qetag of a local file, streamed in 4 MiB reads (constant memory whatever the file size). */
export async function hashFile(absPath: string): Promise<string> {
  const hasher = new QetagHasher();
  for await (const chunk of createReadStream(absPath, { highWaterMark: QETAG_BLOCK })) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** Check a local file against an object in one pass (its qetag comes with it): see `ContentChecker`. */
export async function checkFile(absPath: string, object: Pick<RemoteObject, 'hash' | 'fsize' | 'parts' | 'md5'>): Promise<ContentCheck> {
  const checker = new ContentChecker(object);
  for await (const chunk of createReadStream(absPath, { highWaterMark: QETAG_BLOCK })) checker.update(chunk as Buffer);
  return checker.finish();
}
