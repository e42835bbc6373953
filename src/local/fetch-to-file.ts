import { createHash } from 'node:crypto';
import {
  close,
  closeSync,
  constants as fsConstants,
  createReadStream,
  fstat,
  fstatSync,
  fsync,
  ftruncate,
  futimes,
  futimesSync,
  lstatSync,
  open,
  openSync,
  promises as fsp,
  renameSync,
  rmSync,
  type Stats,
  writev,
  writevSync,
} from 'node:fs';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { ContentChecker, type ContentCheck } from '../core/content-check.js';
import type { RemoteObject } from '../core/types.js';
import { ObjectChangedError, RemoteError } from '../errors.js';
import { remoteErrorFromThrown } from '../remote/classify.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { resolveInside, type RootPaths } from './root-paths.js';

/** What the local file at the target path is expected to be right before it is replaced (null = absent). */
export type ExpectedTarget = { size: number; mtimeMs: number } | null;

/** The target changed between planning and writing: the executor treats the action as a conflict, never overwrites. */
export class TargetChangedError extends Error {
  constructor(readonly relPath: string) {
    super(`${relPath} changed locally during the run; left untouched`);
    this.name = 'TargetChangedError';
  }
}

/** Where a partial download of this object version lives; a changed remote hash gets a new name (restart). */
export function partialPath(paths: RootPaths, object: RemoteObject): string {
  const id = createHash('sha1').update(object.key).digest('hex').slice(0, 16);
  return path.join(paths.tmpDir, `${id}-${object.hash}.part`);
}

/**
 * Download `object` to `relPath` safely: bytes go to a partial file under `.qjournal/tmp/` (resumed with Range when an
 * earlier attempt left one), are verified against the listed size and hash (by its kind: `ContentChecker`), fsynced,
 * and only then renamed into place — after re-checking that the target is still what the plan saw. A bad download
 * never reaches the final path. The partial file is named after the hash it belongs to, and a response whose ETag
 * names another hash (the object was replaced since it was listed) is refused and the partial dropped: a resumed
 * download never splices two versions, whatever the hash kind. Returns the fresh stat of the written file and how its
 * content was checked.
 */
export async function fetchToFile(opts: {
  remote: RemoteStore;
  paths: RootPaths;
  object: RemoteObject;
  relPath: string;
  expected: ExpectedTarget;
  onBytes?: (n: number) => void;
  /** `restore --to`: write to this absolute path (the user's choice) instead of `relPath` inside the root. */
  absoluteTarget?: string;
  /**
   * Called with the final path after the target was re-checked and right before the verified bytes replace it (only
   * when `expected` is a file): keeps the old bytes as a version (they must be gone from that path when it returns).
   */
  beforeReplace?: (finalPath: string) => Promise<void>;
  /** Download from the bucket's source domain instead of `[bucket] domain` (the retry after a CDN failed a check). */
  fromOrigin?: boolean;
}): Promise<{ size: number; mtimeMs: number; check: ContentCheck; servedBy?: string }> {
  const { remote, paths, object, relPath } = opts;
  if (object.fsize <= SMALL_DOWNLOAD_LIMIT && !opts.absoluteTarget) return fetchSmallToFile(opts);
  let servedBy: string | undefined;
  const finalPath = opts.absoluteTarget ?? resolveInside(paths.root, relPath);
  const folders = foldersOf(paths);
  if (!folders.has(paths.tmpDir)) {
    await fsp.mkdir(paths.tmpDir, { recursive: true });
    folders.add(paths.tmpDir);
  }
  const part = partialPath(paths, object);

  // The file carries the object's upload time; it is set on the fd before the fsync.
  const mtime = object.putTime / 1e7;
  // One fd for the whole attempt, in append mode: what an earlier attempt left is kept and resumed with Range.
  const fd = await openFd(part, 'a');
  let sinkOwnsFd = false;
  let have = 0;
  let check: ContentCheck;
  try {
    have = (await fstatFd(fd)).size;
    if (have > object.fsize) {
      await ftruncateFd(fd, 0);
      have = 0;
    }
    let hasher = new ContentChecker(object);
    // Re-hash what an earlier attempt left so the final qetag covers the whole file.
    if (have > 0) await pipeline(createReadStream(part, { end: have - 1, highWaterMark: 1 << 20 }), hashInto(hasher));

    const sink = syncedFileSink(fd, mtime);
    if (have < object.fsize || object.fsize === 0) {
      const { body, status, etag, servedBy: from } = await remote.openDownload(object.key, have > 0 ? have : undefined, opts.fromOrigin);
      servedBy = from;
      if (etag !== undefined && etag !== object.hash) {
        body.destroy();
        await ftruncateFd(fd, 0);
        have = 0;
        throw new ObjectChangedError(object.key, object.hash, etag, from, Boolean(opts.fromOrigin));
      }
      if (have > 0 && status !== 206) {
        // The server ignored the Range: start over.
        await ftruncateFd(fd, 0);
        have = 0;
        hasher = new ContentChecker(object);
      }
      sinkOwnsFd = true;
      await receiveBody(body, sink, object, have, hasher, opts.onBytes);
    } else {
      // Complete from an earlier attempt that did not get to the rename: make sure it is on disk.
      sinkOwnsFd = true;
      await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }

    check = hasher.finish();
    if (!check.ok) {
      await fsp.rm(part, { force: true });
      const what = CHECKED_AS[check.verifiedBy];
      throw new RemoteError('integrity', `download ${object.key}`, `content ${what} ${check.actual} does not match the listed ${check.expected}`);
    }
  } finally {
    if (!sinkOwnsFd) {
      await closeFd(fd);
      // Nothing was received (the request failed): leave no empty partial file behind.
      if (have === 0) await fsp.rm(part, { force: true });
    }
  }

  const parent = path.dirname(finalPath);
  if (opts.absoluteTarget) await fsp.mkdir(parent, { recursive: true });
  else if (!folders.has(parent)) {
    await ensureParentInside(paths.root, finalPath);
    folders.add(parent);
  }
  await recheckTarget(finalPath, relPath, opts.expected);
  if (opts.expected !== null && opts.beforeReplace) await opts.beforeReplace(finalPath);
  try {
    await fsp.rename(part, finalPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' && opts.absoluteTarget) {
      // `restore --to` another disk: no rename across file systems.
      await copyDurably(part, finalPath);
      await fsp.rm(part, { force: true });
    } else if (code === 'ENOENT' && !opts.absoluteTarget) {
      // The folder went away during the run (it was only checked once): check and create it again.
      await ensureParentInside(paths.root, finalPath);
      await fsp.rename(part, finalPath);
    } else {
      throw err;
    }
  }
  const st = await fsp.stat(finalPath);
  return { size: st.size, mtimeMs: st.mtimeMs, check, servedBy };
}

/**
 * Objects up to this size are received into memory and verified before any file exists (the small-file path). At
 * `concurrency` transfers that is at most concurrency MiB held at once.
 */
export const SMALL_DOWNLOAD_LIMIT = 1 << 20;

/**
 * The small-file path of `fetchToFile`, with the same guarantees (verified bytes only, fsynced before the rename,
 * target re-checked right before it is replaced) at a fraction of the per-file cost: `fetchSmallToPart`, then
 * `landSmallPart`. No resume: a partial file of a small object is simply written over.
 */
async function fetchSmallToFile(opts: Parameters<typeof fetchToFile>[0]): Promise<Awaited<ReturnType<typeof fetchToFile>>> {
  const written = await fetchSmallToPart(opts);
  return landSmallPart(written, await syncPart(written), opts.beforeReplace);
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
 * The first half of a small download: the body is gathered and checked in memory (a bad one never touches the disk),
 * then written to the partial file with synchronous calls that return in microseconds (open, write, futimes, fstat of
 * at most 1 MiB in the page cache) instead of one thread-pool round trip each.
 */
export async function fetchSmallToPart(opts: Parameters<typeof fetchToFile>[0]): Promise<WrittenPart> {
  const { remote, paths, object, relPath } = opts;
  const finalPath = resolveInside(paths.root, relPath);
  const folders = foldersOf(paths);
  if (!folders.has(paths.tmpDir)) {
    await fsp.mkdir(paths.tmpDir, { recursive: true });
    folders.add(paths.tmpDir);
  }
  const { body, etag, servedBy } = await remote.openDownload(object.key, undefined, opts.fromOrigin);
  if (etag !== undefined && etag !== object.hash) {
    body.destroy();
    throw new ObjectChangedError(object.key, object.hash, etag, servedBy, Boolean(opts.fromOrigin));
  }
  const hasher = new ContentChecker(object);
  const chunks = await gatherBody(body, object, hasher, opts.onBytes);
  const check = hasher.finish();
  if (!check.ok) {
    const what = CHECKED_AS[check.verifiedBy];
    throw new RemoteError('integrity', `download ${object.key}`, `content ${what} ${check.actual} does not match the listed ${check.expected}`);
  }

  const part = partialPath(paths, object);
  const mtime = object.putTime / 1e7;
  const fd = openSync(part, 'w');
  try {
    writeAllSync(fd, chunks);
    if (mtime > 0) futimesSync(fd, mtime, mtime);
    const fst = fstatSync(fd);
    return { fd, part, paths, relPath, finalPath, expected: opts.expected, stat: { size: fst.size, mtimeMs: fst.mtimeMs }, check, servedBy };
  } catch (err) {
    closeSync(fd);
    rmSync(part, { force: true });
    throw err;
  }
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
): Promise<Awaited<ReturnType<typeof fetchToFile>>> {
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

/**
 * A small body gathered into memory, hashed and counted as it arrives, with plain stream events (no `pipeline`, which
 * costs an AbortController and its DOMException per file). The same outcomes as `receiveBody`: more bytes than listed
 * is an integrity error, a body that fails or ends short is a network failure (retried).
 */
function gatherBody(body: Readable, object: RemoteObject, hasher: ContentChecker, onBytes: ((n: number) => void) | undefined): Promise<Buffer[]> {
  const operation = `download ${object.key}`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      if (err) {
        body.destroy();
        reject(err);
      } else resolve(chunks);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > object.fsize) return finish(new RemoteError('integrity', operation, 'more bytes than listed'));
      hasher.update(chunk);
      onBytes?.(chunk.length);
      chunks.push(chunk);
    };
    const failed = body.errored;
    if (failed) return finish(remoteErrorFromThrown(operation, failed));
    body.on('data', onData);
    body.once('error', (err) => finish(remoteErrorFromThrown(operation, err)));
    body.once('end', () =>
      finish(received === object.fsize ? null : new RemoteError('network', operation, `connection ended after ${received} of ${object.fsize} bytes`)),
    );
    // Closed without an end: the connection dropped (its error, if any, came first).
    body.once('close', () => {
      if (!settled) finish(new RemoteError('network', operation, `connection ended after ${received} of ${object.fsize} bytes`));
    });
  });
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

const CHECKED_AS: Record<ContentCheck['verifiedBy'], string> = { qetag: 'hash', 'etag-v2': 'hash (etag v2)', md5: 'MD5', size: 'size' };

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const ftruncateFd = promisify(ftruncate);
const futimesFd = promisify(futimes);
const closeFd = promisify(close);
const writevFd = promisify(writev);
const fsyncFd = promisify(fsync);

function hashInto(hasher: ContentChecker): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, cb) {
      hasher.update(chunk);
      cb();
    },
  });
}

/** Socket chunks (~64 KiB) are gathered and written together once this much is pending: one thread-pool call per MiB. */
const WRITE_GATHER = 1 << 20;

/**
 * A write stream that owns `fd`: socket chunks are gathered and written with one `writev` per MiB (no copy), the file
 * gets its mtime and is fsynced before the stream finishes (on disk before the rename), and the fd is closed exactly once,
 * on success or error. (fs.WriteStream cannot fsync before closing on every Node 20, and a FileHandle stays
 * referenced by its stream.)
 */
function syncedFileSink(fd: number, mtimeSeconds: number): Writable {
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
 * Stream the body into `out`, hashing it, checking it against the listed size. A short body keeps what was written so
 * the next attempt resumes with Range.
 */
async function receiveBody(
  body: Readable,
  out: Writable,
  object: RemoteObject,
  have: number,
  hasher: ContentChecker,
  onBytes: ((n: number) => void) | undefined,
): Promise<void> {
  let received = have;
  // A connection dropped mid-body is a network failure (retried, resumed), not a local one. The body may have
  // failed already while the partial file was being opened: `errored` keeps that.
  let bodyFailed = body.errored !== null;
  body.once('error', () => (bodyFailed = true));
  await pipeline(
    body,
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        received += chunk.length;
        if (received > object.fsize) return cb(new RemoteError('integrity', `download ${object.key}`, 'more bytes than listed'));
        hasher.update(chunk);
        onBytes?.(chunk.length);
        cb(null, chunk);
      },
    }),
    out,
  ).catch((err: unknown) => {
    if (err instanceof RemoteError || !(bodyFailed || isPrematureClose(err))) throw err;
    throw remoteErrorFromThrown(`download ${object.key}`, err);
  });
  if (received !== object.fsize) {
    // A short body (dropped connection): keep the partial file so the next attempt resumes.
    throw new RemoteError('network', `download ${object.key}`, `connection ended after ${received} of ${object.fsize} bytes`);
  }
}

/** Folders created (and checked to lie inside the root) during this run, per run: `RootPaths` is made once a run. */
const checkedFolders = new WeakMap<RootPaths, Set<string>>();

function foldersOf(paths: RootPaths): Set<string> {
  let set = checkedFolders.get(paths);
  if (!set) checkedFolders.set(paths, (set = new Set()));
  return set;
}

function isPrematureClose(err: unknown): boolean {
  return (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** Copy to a new file (never over an existing one) and fsync it; the copy keeps the source's mtime. */
async function copyDurably(from: string, to: string): Promise<void> {
  await fsp.copyFile(from, to, fsConstants.COPYFILE_EXCL);
  const st = await fsp.stat(from);
  await fsp.utimes(to, st.atime, st.mtime);
  const fh = await fsp.open(to, 'r+');
  await fh.sync().finally(() => fh.close());
}

/** Create the parent folders, refusing to follow a symlinked folder that leads outside the root. */
export async function ensureParentInside(root: string, finalPath: string): Promise<void> {
  const parent = path.dirname(finalPath);
  await fsp.mkdir(parent, { recursive: true });
  const [realRoot, realParent] = await Promise.all([fsp.realpath(root), fsp.realpath(parent)]);
  if (realParent !== realRoot && !realParent.startsWith(realRoot + path.sep)) {
    throw new Error(`refusing to write through a link that leaves the backup root: ${parent}`);
  }
}

/** Unison's rule: look at the target again right before replacing it. */
export async function recheckTarget(finalPath: string, relPath: string, expected: ExpectedTarget): Promise<void> {
  const st = await fsp.lstat(finalPath).catch(() => null);
  targetIsAsExpected(st, relPath, expected);
}

/** `recheckTarget` as one synchronous lstat (the small-file path). */
function recheckTargetSync(finalPath: string, relPath: string, expected: ExpectedTarget): void {
  let st: Stats | null = null;
  try {
    // Absent is the common answer: asked without building an exception for it.
    st = lstatSync(finalPath, { throwIfNoEntry: false }) ?? null;
  } catch {
    // not reachable: the same as recheckTarget's answer
  }
  targetIsAsExpected(st, relPath, expected);
}

function targetIsAsExpected(st: Stats | null, relPath: string, expected: ExpectedTarget): void {
  if (expected === null) {
    if (st) throw new TargetChangedError(relPath);
    return;
  }
  if (!st || !st.isFile() || st.size !== expected.size || st.mtimeMs !== expected.mtimeMs) {
    throw new TargetChangedError(relPath);
  }
}
