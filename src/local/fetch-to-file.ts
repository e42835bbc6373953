import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  await fsp.mkdir(paths.tmpDir, { recursive: true });
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
    const out = createWriteStream(part, { flags: have > 0 ? 'a' : 'w' });
    const opened = new Promise<void>((resolve, reject) => { out.once('open', () => resolve()); out.once('error', reject); });
    await opened;
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
          opts.onBytes?.(chunk.length);
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

  const hash = hasher.digest();
  if (!object.hash.startsWith('n') && hash !== object.hash) {
    await fsp.rm(part, { force: true });
    throw new RemoteError('integrity', `download ${object.key}`, `content hash ${hash} does not match the listed ${object.hash}`);
  }
  const fh = await fsp.open(part, 'r+');
  try {
    const putSeconds = object.putTime / 1e7;
    if (putSeconds > 0) await fh.utimes(putSeconds, putSeconds);
    await fh.sync();
  } finally {
    await fh.close();
  }

  if (opts.absoluteTarget) await fsp.mkdir(path.dirname(finalPath), { recursive: true });
  else await ensureParentInside(paths.root, finalPath);
  await recheckTarget(finalPath, relPath, opts.expected);
  await fsp.rename(part, finalPath);
  const st = await fsp.stat(finalPath);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

function isPrematureClose(err: unknown): boolean {
  return (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
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
