import { constants as fsConstants, createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { QETAG_BLOCK, QetagHasher } from '../core/qetag.js';
import { makeFoldersDurably, syncFolder } from './sync-folder.js';

/** A kept file failed its qetag: it is never restored as good. */
export class VerificationError extends Error {
  constructor(readonly file: string, readonly expected: string, readonly actual: string) {
    super(`${file}: content hash ${actual} does not match ${expected}; not used`);
    this.name = 'VerificationError';
  }
}

/** Hashes qetag can check (`F…` one block, `l…` several); others (`n…`, etag v2) are checked by size only. */
export function isQetag(hash: string): boolean {
  return /^[Fl][A-Za-z0-9_-]{27}$/.test(hash);
}

/**
 * The local version store: old bytes kept under `.qjournal/versions/<2 hex>/<hex of the hash>`, content-addressed so
 * the same bytes are stored once (hex: a case-folding disk cannot merge two base64 names). Files get in by `rename`
 * (same disk) or a verified copy, never by a hard link: an editor writing the live file in place would rewrite the
 * kept version too.
 */
export class VersionStore {
  readonly #shards = new Set<string>();

  constructor(readonly dir: string) {}

  pathOf(hash: string): string {
    const name = isQetag(hash) ? Buffer.from(hash, 'base64url').toString('hex') : `x${Buffer.from(hash).toString('hex')}`;
    return path.join(this.dir, name.slice(0, 2), name);
  }

  async has(hash: string): Promise<boolean> {
    return (await fsp.lstat(this.pathOf(hash)).catch(() => null))?.isFile() ?? false;
  }

  /**
   * Move the file at `abs` (whose bytes are `hash`) into the store; it is gone from `abs` afterwards. When the store
   * holds these bytes already, `abs` is only removed. Returns whether a new store file was made. The stored file's
   * name is durable when it returns (its folder fsynced): the caller may then replace `abs`, whose old bytes may now
   * exist nowhere else. Making the removal from `abs` durable is the caller's part (a replacement fsyncs that folder).
   */
  async keepFile(abs: string, hash: string): Promise<'stored' | 'deduplicated'> {
    const target = this.pathOf(hash);
    if (await this.has(hash)) {
      await fsp.rm(abs);
      return 'deduplicated';
    }
    const shard = path.dirname(target);
    if (!this.#shards.has(shard)) {
      await makeFoldersDurably(shard);
      this.#shards.add(shard);
    }
    try {
      await fsp.rename(abs, target);
      await syncFolder(shard);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // The store lies on another disk (a mount inside the root): copy, verify, then remove the original.
      await copyVerified(abs, target, hash);
      await fsp.rm(abs);
    }
    return 'stored';
  }

  /** A verified copy of the stored bytes at `dest` (a new file; its folder must exist). */
  async copyOut(hash: string, dest: string): Promise<void> {
    await copyVerified(this.pathOf(hash), dest, hash);
  }

  /** Remove the stored bytes (already gone is fine). Returns the bytes freed. */
  async remove(hash: string): Promise<number> {
    const file = this.pathOf(hash);
    const st = await fsp.lstat(file).catch(() => null);
    if (!st) return 0;
    await fsp.rm(file, { force: true });
    return st.size;
  }
}

/**
 * Copy `src` to a new file `dest` (never over an existing one), hashing on the way, fsynced (the file and its
 * folder); when the qetag is not `expectedHash`, nothing is left at `dest` and VerificationError is thrown. The copy
 * keeps the source's mtime.
 */
export async function copyVerified(src: string, dest: string, expectedHash: string, expectedSize?: number): Promise<void> {
  const tmp = `${dest}.qjournal-partial`;
  const hasher = new QetagHasher();
  const out = await fsp.open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC, 0o644);
  let size = 0;
  try {
    for await (const chunk of createReadStream(src, { highWaterMark: QETAG_BLOCK })) {
      const buf = chunk as Buffer;
      hasher.update(buf);
      size += buf.length;
      await out.write(buf);
    }
    await out.sync();
  } catch (err) {
    await out.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await out.close();
  const actual = hasher.digest();
  if ((isQetag(expectedHash) && actual !== expectedHash) || (expectedSize !== undefined && size !== expectedSize)) {
    await fsp.rm(tmp, { force: true });
    throw new VerificationError(src, expectedHash, actual);
  }
  const st = await fsp.stat(src);
  await fsp.utimes(tmp, st.atime, st.mtime);
  if (await fsp.lstat(dest).catch(() => null)) {
    await fsp.rm(tmp, { force: true });
    throw new Error(`${dest} already exists: never overwritten`);
  }
  await fsp.rename(tmp, dest);
  await syncFolder(path.dirname(dest));
}
