import { createHash } from 'node:crypto';
import { close, constants as fsConstants, fsync, open, promises as fsp, write } from 'node:fs';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { QetagHasher } from '../core/qetag.js';
import type { RemoteObject } from '../core/types.js';
import { RemoteError } from '../errors.js';
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
 * earlier attempt left one), are verified against the listed size and qetag, fsynced, and only then renamed into
 * place — after re-checking that the target is still what the plan saw. A bad download never reaches the final path.
 * Returns the fresh stat of the written file.
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
}): Promise<{ size: number; mtimeMs: number }> {
  const { remote, paths, object, relPath } = opts;
  const finalPath = opts.absoluteTarget ?? resolveInside(paths.root, relPath);
  const folders = foldersOf(paths);
  if (!folders.has(paths.tmpDir)) {
    await fsp.mkdir(paths.tmpDir, { recursive: true });
    folders.add(paths.tmpDir);
  }
  const part = partialPath(paths, object);

  let hasher = new QetagHasher();
  let have = await existingLength(part, object.fsize);
  if (have > 0) {
    // Re-hash what an earlier attempt left so the final qetag covers the whole file.
    await pipeline(
      (await fsp.open(part)).createReadStream({ highWaterMark: 1 << 20 }),
      new Transform({ transform(chunk, _e, cb) { hasher.update(chunk); cb(); } }),
    );
  }

  if (have < object.fsize || object.fsize === 0) {
    const { body, status } = await remote.openDownload(object.key, have > 0 ? have : undefined);
    if (have > 0 && status !== 206) {
      // The server ignored the Range: start over.
      have = 0;
      hasher = new QetagHasher();
    }
    const fd = await openFd(part, have > 0 ? 'a' : 'w');
    await receiveBody(body, syncedFileSink(fd), object, have, hasher, opts.onBytes);
  } else {
    // Complete from an earlier attempt that did not get to the rename: make sure it is on disk.
    const fh = await fsp.open(part, 'r+');
    await fh.sync().finally(() => fh.close());
  }

  const hash = hasher.digest();
  if (!object.hash.startsWith('n') && hash !== object.hash) {
    await fsp.rm(part, { force: true });
    throw new RemoteError('integrity', `download ${object.key}`, `content hash ${hash} does not match the listed ${object.hash}`);
  }
  const putSeconds = object.putTime / 1e7;
  if (putSeconds > 0) await fsp.utimes(part, putSeconds, putSeconds);

  const parent = path.dirname(finalPath);
  if (opts.absoluteTarget) await fsp.mkdir(parent, { recursive: true });
  else if (!folders.has(parent)) {
    await ensureParentInside(paths.root, finalPath);
    folders.add(parent);
  }
  await recheckTarget(finalPath, relPath, opts.expected);
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
  return { size: st.size, mtimeMs: st.mtimeMs };
}

const openFd = promisify(open);
const writeFd = promisify(write);

/**
 * A write stream that owns `fd`: it fsyncs before it finishes (the data is on disk before the rename), and closes
 * the fd exactly once, on success or error. (fs.WriteStream cannot fsync before closing on every Node 20, and a
 * FileHandle stays referenced by its stream.)
 */
function syncedFileSink(fd: number): Writable {
  let closed = false;
  return new Writable({
    write(chunk: Buffer, _encoding, cb) {
      (async () => {
        for (let off = 0; off < chunk.length; ) off += (await writeFd(fd, chunk, off, chunk.length - off, null)).bytesWritten;
      })().then(() => cb(), cb);
    },
    final(cb) {
      fsync(fd, (err) => cb(err));
    },
    destroy(err, cb) {
      if (closed) return cb(err);
      closed = true;
      close(fd, (closeErr) => cb(err ?? closeErr));
    },
  });
}

/** Socket chunks (~64 KiB) are gathered into writes of this size: 16× fewer calls through libuv's thread pool. */
const WRITE_COALESCE = 1 << 20;

/**
 * Stream the body into `out`, hashing it, checking it against the listed size. A short body keeps what was written so
 * the next attempt resumes with Range.
 */
async function receiveBody(
  body: Readable,
  out: Writable,
  object: RemoteObject,
  have: number,
  hasher: QetagHasher,
  onBytes: ((n: number) => void) | undefined,
): Promise<void> {
  let received = have;
  // A connection dropped mid-body is a network failure (retried, resumed), not a local one. The body may have
  // failed already while the partial file was being opened: `errored` keeps that.
  let bodyFailed = body.errored !== null;
  body.once('error', () => (bodyFailed = true));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const takePending = () => {
    const joined = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return joined;
  };
  await pipeline(
    body,
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        received += chunk.length;
        if (received > object.fsize) return cb(new RemoteError('integrity', `download ${object.key}`, 'more bytes than listed'));
        hasher.update(chunk);
        onBytes?.(chunk.length);
        pending.push(chunk);
        pendingBytes += chunk.length;
        cb(null, pendingBytes >= WRITE_COALESCE ? takePending() : undefined);
      },
      flush(cb) {
        cb(null, pendingBytes > 0 ? takePending() : undefined);
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

async function existingLength(part: string, fsize: number): Promise<number> {
  try {
    const st = await fsp.stat(part);
    if (st.size <= fsize) return st.size;
    await fsp.rm(part, { force: true });
  } catch {
    // no partial file
  }
  return 0;
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
  if (expected === null) {
    if (st) throw new TargetChangedError(relPath);
    return;
  }
  if (!st || !st.isFile() || st.size !== expected.size || st.mtimeMs !== expected.mtimeMs) {
    throw new TargetChangedError(relPath);
  }
}
