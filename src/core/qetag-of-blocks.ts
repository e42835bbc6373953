import { createHash } from 'node:crypto';

/**
 * The qetag of a file from the SHA-1 of each of its 4 MiB blocks, in order (a multipart upload with 4 MiB parts
 * reads exactly these blocks): one block → `0x16 ‖ sha1`, more → `0x96 ‖ sha1(concat)`, URL-safe base64.
 */
export function qetagOfBlocks(blockSha1s: readonly Buffer[]): string {
  const raw =
    blockSha1s.length === 1
      ? Buffer.concat([Buffer.from([0x16]), blockSha1s[0]])
      : Buffer.concat([Buffer.from([0x96]), createHash('sha1').update(Buffer.concat(blockSha1s)).digest()]);
  return raw.toString('base64url');
}
