import { createReadStream } from 'node:fs';
import { QETAG_BLOCK, QetagHasher } from '../core/qetag.js';

/** qetag of a local file, streamed in 4 MiB reads (constant memory whatever the file size). */
export async function hashFile(absPath: string): Promise<string> {
  const hasher = new QetagHasher();
  for await (const chunk of createReadStream(absPath, { highWaterMark: QETAG_BLOCK })) hasher.update(chunk as Buffer);
  return hasher.digest();
}
