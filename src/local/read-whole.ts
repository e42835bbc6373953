import type { FileHandle } from 'node:fs/promises';

/**
 * The first `size` bytes of an open file (fewer if it ends sooner) in a buffer of exactly that size: one read for a
 * regular file, where `readFile` would stat it again and a read stream would allocate a 4 MiB buffer per file.
 */
export async function readWhole(fh: FileHandle, size: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const { bytesRead } = await fh.read(bytes, got, size - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === size ? bytes : bytes.subarray(0, got);
}
