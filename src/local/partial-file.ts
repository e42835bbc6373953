import { createHash } from 'node:crypto';
import { close, closeSync, fstatSync, fsync, futimes, futimesSync, openSync, renameSync, rmSync, writev, writevSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { ContentCheck } from '../core/content-check.js';
import type { RemoteObject } from '../core/types.js';
import { ensureParentInside, foldersOf, recheckTarget, recheckTargetSync, type ExpectedTarget } from './download-target.js';
import type { RootPaths } from './root-paths.js';

/**
 * Partial files under `.qjournal/tmp/`: where verified bytes are written and made durable before they are renamed into
 * place. Nothing here reaches the network (sync/fetch-to-file.ts does).
 */

/** A download in place: the fresh stat of the final file and how its content was checked. */
export interface FetchedFile {
  size: number;
  mtimeMs: number;
  check: ContentCheck;
  servedBy?: string;
}

/** Where a partial download of this object version lives; a changed remote hash gets a new name (restart). */
export function partialPath(paths: RootPaths, object: RemoteObject): string {
  const id = createHash('sha1').update(object.key).digest('hex').slice(0, 16);
  return path.join(paths.tmpDir, `${id}-${object.hash}.part`);
}

/** Socket chunks (~64 KiB) are gathered and written together once this much is pending: one thread-pool call per MiB. */
const WRITE_GATHER = 1 << 20;

/**
 * A write stream that owns `fd`: socket chunks are gathered and written with one `writev` per MiB (no copy), the file
 * gets its mtime and is fsynced before the stream finishes (on disk before the rename), and the fd is closed exactly once,
 * on success or error. (fs.WriteStream cannot fsync before closing on every Node 20, and a FileHandle stays
 * referenced by its stream.)
 */
export function syncedFileSink(fd: number, mtimeSeconds: number): Writable {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let closed = false;
  const flush = async () => {
    let chunks = pending;
    pending = [];
    pendingBytes = 0;
    while (chunks.length > 0) {
      let written = (await writevFd(fd, chunks)).bytesWritten;
      // A short writev: drop what went out, keep the rest.
      while (chunks.length > 0 && written >= chunks[0].length) written -= chunks.shift()!.length;
      if (written > 0) chunks[0] = chunks[0].subarray(written);
    }
  };
  return new Writable({
    write(chunk: Buffer, _encoding, cb) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < WRITE_GATHER) return cb();
      flush().then(() => cb(), cb);
    },
    final(cb) {
      flush()
        .then(() => (mtimeSeconds > 0 ? futimesFd(fd, mtimeSeconds, mtimeSeconds) : undefined))
        .then(() => fsync(fd, (err) => cb(err)), cb);
    },
    destroy(err, cb) {
      if (closed) return cb(err);
      closed = true;
      close(fd, (closeErr) => cb(err ?? closeErr));
    },
  });
}

/**
 * Write a verified small body to its partial file with synchronous calls that return in microseconds (open, write,
 * futimes, fstat of at most 1 MiB in the page cache) instead of one thread-pool round trip each. The fd stays open
 * for the fsync (`syncPart`); on failure the partial file is gone.
 */
export function writeSmallPart(part: string, chunks: Buffer[], mtimeSeconds: number): { fd: number; stat: { size: number; mtimeMs: number } } {
  const fd = openSync(part, 'w');
  try {
    writeAllSync(fd, chunks);
    if (mtimeSeconds > 0) futimesSync(fd, mtimeSeconds, mtimeSeconds);
    const st = fstatSync(fd);
    return { fd, stat: { size: st.size, mtimeMs: st.mtimeMs } };
  } catch (err) {
    closeSync(fd);
    rmSync(part, { force: true });
    throw err;
  }
}

/** fsync a written part's fd: null when it is on disk, else the error (for `landSmallPart`). */
export function syncPart(written: WrittenPart): Promise<Error | null> {
  return fsyncFd(written.fd).then(
    () => null,
    (err: Error) => err,
  );
}

/**
 * A verified small download in its partial file under `.qjournal/tmp/`, with its mtime set, not yet fsynced: `fd` is
 * still open for that. Only `landSmallPart` may move it into place.
 */
export interface WrittenPart {
  fd: number;
  part: string;
  paths: RootPaths;
  relPath: string;
  finalPath: string;
  expected: ExpectedTarget;
  /** The partial file's size and mtime: the same inode is renamed into place, so the journal will find these there. */
  stat: { size: number; mtimeMs: number };
  check: ContentCheck;
  servedBy?: string;
}

/**
 * The second half: after the caller fsynced `written.fd` (`syncError` if that failed: the partial file is dropped and
 * the error thrown), close it, re-check the target and rename the partial file into place. Several files may be
 * fsynced together first (sync/small-file-landings.ts); nothing reaches its final path before its own fsync returned.
 */
export async function landSmallPart(
  written: WrittenPart,
  syncError: Error | null,
  beforeReplace?: (finalPath: string) => Promise<void>,
): Promise<FetchedFile> {
  const { paths, part, finalPath, relPath, expected } = written;
  closeSync(written.fd);
  if (syncError) {
    rmSync(part, { force: true });
    throw syncError;
  }
  const folders = foldersOf(paths);
  const parent = path.dirname(finalPath);
  if (!folders.has(parent)) {
    await ensureParentInside(paths.root, finalPath);
    folders.add(parent);
  }
  if (expected !== null && beforeReplace) {
    await recheckTarget(finalPath, relPath, expected);
    await beforeReplace(finalPath);
  } else {
    recheckTargetSync(finalPath, relPath, expected);
  }
  try {
    renameSync(part, finalPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The folder went away during the run (it was only checked once): check and create it again.
    await ensureParentInside(paths.root, finalPath);
    renameSync(part, finalPath);
  }
  return { ...written.stat, check: written.check, servedBy: written.servedBy };
}

function writeAllSync(fd: number, chunks: Buffer[]): void {
  let rest = chunks.slice();
  while (rest.length > 0) {
    let written = writevSync(fd, rest);
    // A short writev: drop what went out, keep the rest.
    while (rest.length > 0 && written >= rest[0].length) written -= rest.shift()!.length;
    if (written > 0) rest[0] = rest[0].subarray(written);
  }
}

const futimesFd = promisify(futimes);
const writevFd = promisify(writev);
const fsyncFd = promisify(fsync);
