import { close, createReadStream, fstat, ftruncate, open, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { ContentChecker, type ContentCheck } from '../core/content-check.js';
import type { RemoteObject } from '../core/types.js';
import { ObjectChangedError, RemoteError } from '../errors.js';
import { copyDurably, ensureParentInside, foldersOf, recheckTarget, type ExpectedTarget } from '../local/download-target.js';
import { syncFolder } from '../local/sync-folder.js';
import { landSmallPart, partialPath, syncedFileSink, syncPart, writeSmallPart, type FetchedFile, type WrittenPart } from '../local/partial-file.js';
import { resolveInside, type RootPaths } from '../local/root-paths.js';
import { remoteErrorFromThrown } from '../remote/classify.js';
import type { RemoteStore } from '../remote/remote-store.js';

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
}): Promise<FetchedFile> {
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
  await syncFolder(parent);
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
async function fetchSmallToFile(opts: Parameters<typeof fetchToFile>[0]): Promise<FetchedFile> {
  const written = await fetchSmallToPart(opts);
  const landed = await landSmallPart(written, await syncPart(written), opts.beforeReplace);
  await syncFolder(path.dirname(written.finalPath));
  return landed;
}

/**
 * The first half of a small download: the body is gathered and checked in memory (a bad one never touches the disk),
 * then written to the partial file (`writeSmallPart`).
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
  const { fd, stat } = writeSmallPart(part, chunks, object.putTime / 1e7);
  return { fd, part, paths, relPath, finalPath, expected: opts.expected, stat, check, servedBy };
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

const CHECKED_AS: Record<ContentCheck['verifiedBy'], string> = { qetag: 'hash', 'etag-v2': 'hash (etag v2)', md5: 'MD5', size: 'size' };

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const ftruncateFd = promisify(ftruncate);
const closeFd = promisify(close);

function hashInto(hasher: ContentChecker): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, cb) {
      hasher.update(chunk);
      cb();
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

function isPrematureClose(err: unknown): boolean {
  return (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
}

