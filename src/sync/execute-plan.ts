import { promises as fsp, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Action, JournalEntry, LocalFile, Plan, RemoteObject } from '../core/types.js';
import { remoteTrashKey } from '../core/remote-trash.js';
import { assertNever } from '../core/types.js';
import { RemoteError } from '../errors.js';
import type { ContentCheck } from '../core/content-check.js';
import { hashKind } from '../core/hash-kind.js';
import type { FileCheck, Journal, RunCounts, SettledEntry } from '../journal/journal.js';
import { downloadFromCdnThenOrigin } from './download-from.js';
import { ensureParentInside, recheckTarget, TargetChangedError } from '../local/download-target.js';
import { partialPath, type FetchedFile } from '../local/partial-file.js';
import { fetchSmallToPart, fetchToFile, SMALL_DOWNLOAD_LIMIT } from './fetch-to-file.js';
import { SmallFileLandings } from './small-file-landings.js';
import { resolveInside, type RootPaths } from '../local/root-paths.js';
import { syncFolder, syncRenamed } from '../local/sync-folder.js';
import { versionKeeping, type VersionEnd } from '../core/versions.js';
import type { VersionStore } from '../local/version-store.js';
import type { Logger } from '../log/logger.js';
import type { UploadSessionStore } from '../remote/multipart-upload.js';
import type { BatchOutcome, RemoteStore } from '../remote/remote-store.js';
import { DiskFullStop, isDiskFull } from './disk-full.js';
import { JournalBatch } from './journal-batch.js';
import { UploadConfirmations } from './upload-confirmations.js';
import { confirmStored } from '../remote/confirm-stored.js';
import { runPool } from '../core/pool.js';
import { withRetry } from '../remote/retry.js';
import { keepLocalFile, keepRemoteObject } from './keep-versions.js';
import { AdaptiveLimit, useAdaptiveLimit } from '../remote/adaptive-limit.js';

/** Progress events for UI adapters (src/cli knows bars and colours; the engine does not). */
export type SyncEvent =
  | { type: 'start'; files: number; bytes: number }
  | { type: 'action-start'; action: Action; bytes: number }
  | { type: 'bytes'; key: string; n: number }
  | { type: 'action-end'; action: Action; ok: boolean };

export interface ExecuteDeps {
  remote: RemoteStore;
  journal: Journal;
  paths: RootPaths;
  logger: Logger;
  runId: number;
  concurrency: number;
  now: Date;
  trashStamp: string;
  /** Where replaced or removed local files keep their bytes as versions. */
  store: VersionStore;
  onEvent?: (event: SyncEvent) => void;
  /** Where big uploads keep their multipart progress (the journal), so a killed run resumes them. */
  uploadSessions?: UploadSessionStore;
  /** Files that failed before execution (could not be read): counted as failed, so deletions wait for a clean run. */
  failedBefore?: number;
}

export interface ExecuteResult {
  counts: RunCounts;
  /** Actions that became conflicts at execution time (the target changed under us). */
  lateConflicts: number;
}

const DELETING = new Set<Action['kind']>(['delete-remote', 'trash-local']);

/** Bytes an action moves over the network (for progress totals). */
export function transferBytes(action: Action): number {
  switch (action.kind) {
    case 'download':
      return action.remote.fsize;
    case 'upload':
      return action.local.size;
    case 'keep-both':
      return action.remote.fsize + (action.conflictKey ? action.local.size : 0);
    case 'record':
    case 'move-remote':
    case 'move-local':
    case 'delete-remote':
    case 'trash-local':
    case 'forget':
      return 0;
    default:
      return assertNever(action);
  }
}

/**
 * Apply a plan: transfers and renames with a concurrency limit, then deletions — only if nothing failed (rclone's rule).
 * After each action succeeds its observed state is recorded in the journal; transfers and records are committed in
 * small batches (journal-batch.ts), every other action in its own small transaction.
 */
export async function executePlan(plan: Plan, deps: ExecuteDeps): Promise<ExecuteResult> {
  const counts: RunCounts = { downloaded: 0, uploaded: 0, moved: 0, deleted: 0, conflicts: 0, failed: deps.failedBefore ?? 0, bytesDown: 0, bytesUp: 0 };
  const actions = plan.items.flatMap((item) => (item.action ? [item.action] : []));
  const first = actions.filter((a) => !DELETING.has(a.kind));
  const last = actions.filter((a) => DELETING.has(a.kind));
  let lateConflicts = 0;
  deps.onEvent?.({ type: 'start', files: actions.length, bytes: actions.reduce((n, a) => n + transferBytes(a), 0) });

  const diskFull = new DiskFullStop();
  // Another region's host: every further upload would fail the same way. Nothing more starts, and the run ends with
  // this configuration error (exit 3) once what is under way has settled (sync/wrong-region.ts says what to write).
  let wrongRegion: RemoteError | null = null;
  const fail = async (action: Action, err: unknown) => {
    if (err instanceof RemoteError && err.kind === 'wrong-region') wrongRegion ??= err;
    deps.onEvent?.({ type: 'action-end', action, ok: false });
    if (err instanceof TargetChangedError) {
      lateConflicts++;
      counts.conflicts++;
      deps.logger.warn(`Conflict ${action.key}: ${err.message}`);
      return;
    }
    counts.failed++;
    diskFull.noteFailure(action, err);
    const message = err instanceof Error ? err.message : String(err);
    deps.logger.error(`Failed ${describe(action)}: ${message}`);
    // A full disk may refuse the journal too: the failure is logged and counted either way.
    await deps.journal.addEvent(deps.runId, 'error', `${describe(action)}: ${message}`).catch(() => {});
  };
  // Every 573 halves the transfers in flight for a while (remote/adaptive-limit.ts).
  const gate = new AdaptiveLimit(deps.concurrency, {}, (limit, why) =>
    deps.logger.warn(why === 'rate-limited' ? `Rate limited by the server (573): ${limit} transfer(s) at once for now` : `${limit} transfer(s) at once again`),
  );
  const unsetGate = useAdaptiveLimit(gate);
  const settled = new JournalBatch<Action>(deps.journal, async (owners, err) => {
    for (const action of owners) await fail(action, err);
  });
  // Accepted uploads are confirmed in batches, then journaled in batches (confirmations feed `settled`).
  const confirmations = new UploadConfirmations<Action>(deps.remote, fail);
  // Verified small downloads are fsynced and renamed in batches, then journaled in batches (they feed `settled`).
  const landings = new SmallFileLandings<Action>(fail);
  const runOne = async (action: Action) => {
    if (wrongRegion) {
      counts.failed++;
      return;
    }
    if (diskFull.skips(action)) {
      counts.failed++;
      deps.logger.error(`Not started: ${describe(action)} (the disk is full)`);
      return;
    }
    const release = await gate.acquire();
    deps.onEvent?.({ type: 'action-start', action, bytes: transferBytes(action) });
    try {
      await applyAction(action, deps, counts, settled, confirmations, landings);
      deps.onEvent?.({ type: 'action-end', action, ok: true });
    } catch (err) {
      await fail(action, err);
    } finally {
      release();
    }
  };

  try {
    await applyAll();
  } finally {
    unsetGate();
    await landings.flush();
    await confirmations.flush();
    await settled.flush();
  }
  const full = diskFull.summary();
  if (full) deps.logger.error(full);
  if (wrongRegion) throw wrongRegion;
  return { counts, lateConflicts };

  async function applyAll(): Promise<void> {
    const moves = first.filter((a): a is MoveRemote => a.kind === 'move-remote');
    if (moves.length > 0) await applyRemoteMoves(moves, deps, counts, fail);
    try {
      await runPool(
        first.filter((a) => a.kind !== 'move-remote'),
        deps.concurrency,
        runOne,
      );
    } finally {
      // Before the deletions (which wait for a clean run) and before a failure leaves: what finished is journaled.
      await landings.flush();
      await confirmations.flush();
      await settled.flush();
    }
    if (last.length > 0) {
      if (counts.failed > 0) {
        deps.logger.warn(`Skipping ${last.length} deletion(s) because ${counts.failed} action(s) failed`);
      } else {
        const remoteDeletes = last.filter((a): a is DeleteRemote => a.kind === 'delete-remote');
        if (remoteDeletes.length > 0) await applyRemoteDeletes(remoteDeletes, deps, counts, fail);
        await runPool(
          last.filter((a) => a.kind !== 'delete-remote'),
          deps.concurrency,
          runOne,
        );
      }
    }
  }
}

function describe(action: Action): string {
  switch (action.kind) {
    case 'download':
      return `download ${action.key}`;
    case 'upload':
      return `upload ${action.key}`;
    case 'record':
      return `record ${action.key}`;
    case 'move-remote':
      return `move ${action.fromKey} -> ${action.key}`;
    case 'move-local':
      return `rename ${action.fromPath} -> ${action.path}`;
    case 'delete-remote':
      return `delete ${action.key} (move to the bucket's trash)`;
    case 'trash-local':
      return `trash ${action.path}`;
    case 'keep-both':
      return `keep both versions of ${action.key}`;
    case 'forget':
      return `forget ${action.key}`;
    default:
      return assertNever(action);
  }
}

async function applyAction(
  action: Action,
  deps: ExecuteDeps,
  counts: RunCounts,
  settled: JournalBatch<Action>,
  confirmations: UploadConfirmations<Action>,
  landings: SmallFileLandings<Action>,
): Promise<void> {
  const { logger } = deps;
  // A row that ends a version whose bytes were just moved (to the store or the bucket's trash) is committed at once:
  // the journal must know where they went. Plain new rows wait in the batch.
  const settle = async (item: SettledEntry) => {
    if (item.ended && item.ended.location !== 'gone') await deps.journal.recordEntry(item.entry, item.ended, item.check);
    else settled.add(item, action);
  };
  switch (action.kind) {
    case 'download': {
      const planned = action.replaces;
      const expected = expectedOf(planned);
      const keeping = versionKeeping(action, expected !== null);
      // The old bytes become a version right before the verified new ones take their place (never earlier: a failed
      // download must leave the file where it was).
      const beforeReplace =
        keeping.keep === 'store'
          ? async (finalPath: string) => {
              await keepLocalFile(deps, action.key, finalPath, { knownVersion: keeping.knownVersion, hash: planned?.hash, origin: keeping.ends.origin });
              logger.info(`Kept the previous ${action.path} as a version${action.reason === 'conflict' ? ' (conflict, remote wins)' : ''}`);
            }
          : undefined;
      logger.info(`Getting ${action.key}`);
      const record = async (stat: FetchedFile) => {
        counts.downloaded++;
        counts.bytesDown += action.remote.fsize;
        await settle({ entry: entryOf(action.key, action.path, action.remote, stat, deps), ended: keeping.ends ?? undefined, check: downloadCheck(action.remote, stat) });
      };
      // A new small file lands in a batch (its fsync with others'); the slot is free for the next download meanwhile.
      if (expected === null && action.remote.fsize <= SMALL_DOWNLOAD_LIMIT) {
        const written = await downloadWith(fetchSmallToPart, action.remote, action.path, null, deps);
        await landings.add(written, action, record);
        return;
      }
      await record(await download(action.remote, action.path, expected, deps, beforeReplace));
      return;
    }
    case 'upload': {
      const abs = resolveInside(deps.paths.root, action.path);
      const before = await freshStat(abs, action.path, action.local);
      let ended: VersionEnd | undefined;
      if (action.expectRemoteHash !== null) {
        // Overwrite only what the journal (or the plan) saw: someone may have changed the key meanwhile.
        const current = await withRetry(() => deps.remote.stat(action.key));
        if (current && current.hash !== action.expectRemoteHash) throw new TargetChangedError(action.key);
        if (current) {
          const keeping = versionKeeping(action, true);
          const expectHash = action.expectRemoteHash;
          ended = await withRetry(() => keepRemoteObject(deps, action.key, expectHash, keeping.ends!.origin));
          logger.info(`Kept the previous ${action.key} in the bucket as ${ended.trashKey}`);
        }
      }
      logger.info(`Putting ${action.key}`);
      let sent = 0;
      const stored = await withRetry(() => {
        sent = 0;
        return deps.remote.put(abs, action.key, {
          insertOnly: action.expectRemoteHash === null,
          sessions: deps.uploadSessions,
          expectHash: action.local.hash,
          expectStat: before,
          onProgress: (bytes) => {
            if (bytes > sent) deps.onEvent?.({ type: 'bytes', key: action.key, n: bytes - sent });
            sent = Math.max(sent, bytes);
          },
        });
      }, TRANSFER).catch((err: unknown) => {
        if (err instanceof RemoteError && err.kind === 'exists') throw new TargetChangedError(action.key);
        throw err;
      });
      counts.uploaded++;
      counts.bytesUp += action.local.size;
      const record = (object: RemoteObject) => settle({ entry: entryOf(action.key, action.path, object, before, deps), ended });
      // An overwrite's row is confirmed and committed at once (it ends a version); a new key's waits for a batch.
      if (ended) await record(confirmStored(stored, await withRetry(() => deps.remote.stat(action.key))));
      else confirmations.add(stored, action, record);
      return;
    }
    case 'record': {
      const abs = resolveInside(deps.paths.root, action.path);
      const st = await freshStat(abs, action.path, action.local);
      logger.debug(`Recording ${action.key}: same content on both sides`);
      const check = action.reason === 'in-sync' ? undefined : recordCheck(action.remote, action.local);
      await settle({ entry: entryOf(action.key, action.path, action.remote, st, deps), check });
      return;
    }
    case 'move-remote':
      throw new Error('move-remote actions run in batches: applyRemoteMoves');
    case 'move-local': {
      const from = resolveInside(deps.paths.root, action.fromPath);
      const to = resolveInside(deps.paths.root, action.path);
      const expected = expectedOf(action.local);
      await recheckTarget(from, action.fromPath, expected);
      await recheckTarget(to, action.path, null);
      await ensureParentInside(deps.paths.root, to);
      logger.info(`Renaming ${action.fromPath} -> ${action.path}`);
      await fsp.rename(from, to);
      await syncRenamed(from, to);
      const st = await fsp.stat(to);
      counts.moved++;
      await deps.journal.recordMove(action.fromKey, entryOf(action.key, action.path, action.remote, st, deps));
      return;
    }
    case 'delete-remote':
      throw new Error('delete-remote actions run in batches: applyRemoteDeletes');
    case 'trash-local': {
      const abs = resolveInside(deps.paths.root, action.path);
      await recheckTarget(abs, action.path, expectedOf(action.local));
      logger.info(`Trashing ${action.path} (kept as a version)`);
      const keeping = versionKeeping(action, true);
      await keepLocalFile(deps, action.key, abs, { knownVersion: true, origin: keeping.ends!.origin });
      // Gone from its folder for good before the journal forgets it: a name a power cut brought back would be taken
      // for a new local file and uploaded again.
      await syncFolder(path.dirname(abs));
      counts.deleted++;
      await deps.journal.forget(action.key, { ...keeping.ends!, at: deps.now.getTime(), runId: deps.runId });
      return;
    }
    case 'keep-both': {
      const abs = resolveInside(deps.paths.root, action.path);
      const conflictAbs = resolveInside(deps.paths.root, action.conflictPath);
      await recheckTarget(abs, action.path, expectedOf(action.local));
      await recheckTarget(conflictAbs, action.conflictPath, null);
      await fsp.rename(abs, conflictAbs);
      await syncRenamed(abs, conflictAbs);
      counts.conflicts++;
      logger.warn(`Conflict ${action.key}: both sides changed; local version kept as ${action.conflictPath}`);
      if (action.conflictKey) {
        const conflictKey = action.conflictKey;
        const before = await fsp.stat(conflictAbs);
        logger.info(`Putting ${conflictKey}`);
        const object = await withRetry(() => deps.remote.upload(conflictAbs, conflictKey, { insertOnly: true, sessions: deps.uploadSessions, expectHash: action.local.hash }), TRANSFER);
        counts.uploaded++;
        counts.bytesUp += before.size;
        await deps.journal.recordEntry(entryOf(conflictKey, action.conflictPath, object, before, deps));
      }
      logger.info(`Getting ${action.key}`);
      const stat = await download(action.remote, action.path, null, deps);
      counts.downloaded++;
      counts.bytesDown += action.remote.fsize;
      await deps.journal.recordEntry(
        entryOf(action.key, action.path, action.remote, stat, deps),
        versionKeeping(action, true).ends ?? undefined,
        downloadCheck(action.remote, stat),
      );
      return;
    }
    case 'forget': {
      logger.debug(`Forgetting ${action.key}: gone on both sides`);
      await deps.journal.forget(action.key, { ...versionKeeping(action, false).ends!, at: deps.now.getTime(), runId: deps.runId });
      return;
    }
    default:
      assertNever(action);
  }
}

type MoveRemote = Extract<Action, { kind: 'move-remote' }>;
type DeleteRemote = Extract<Action, { kind: 'delete-remote' }>;

/**
 * deletes = mirror: an object is never deleted but moved (server-side) into the bucket's trash,
 * `.qjournal-trash/<stamp>/<key>`, where `restore <key>` finds it; one batch request per 1,000. A key already gone
 * counts as done.
 */
async function applyRemoteDeletes(
  deletes: readonly DeleteRemote[],
  deps: ExecuteDeps,
  counts: RunCounts,
  fail: (action: Action, err: unknown) => Promise<void>,
): Promise<void> {
  const items = deletes.map((action) => ({ action, move: { from: action.key, to: remoteTrashKey(deps.trashStamp, action.key) } }));
  for (const { action, move } of items) {
    deps.onEvent?.({ type: 'action-start', action, bytes: 0 });
    deps.logger.info(`Deleting ${action.key} (kept in the bucket as ${move.to})`);
  }
  await moveAndSettle(items, deps, fail, async ({ action, move }, outcome) => {
    if (!outcome.ok && outcome.error.kind !== 'not-found') throw outcome.error;
    counts.deleted++;
    await deps.journal.forget(action.key, { origin: 'local-delete', location: 'bucket-trash', trashKey: move.to, at: deps.now.getTime(), runId: deps.runId });
  });
}

/**
 * Local renames become server-side moves, all in one batch request per 1,000 (a renamed album of 1,000 photos is
 * one request, no upload). Each renamed file is first checked to be what was planned; a move the server refuses
 * because the target exists (614) is a conflict. A 612 (source gone) after a retried batch is checked with a stat:
 * the lost first attempt may have moved it already.
 */
async function applyRemoteMoves(
  moves: readonly MoveRemote[],
  deps: ExecuteDeps,
  counts: RunCounts,
  fail: (action: Action, err: unknown) => Promise<void>,
): Promise<void> {
  const items: { action: MoveRemote; move: { from: string; to: string }; stat: { size: number; mtimeMs: number } }[] = [];
  for (const action of moves) {
    deps.onEvent?.({ type: 'action-start', action, bytes: 0 });
    try {
      const stat = await freshStat(resolveInside(deps.paths.root, action.path), action.path, action.local);
      items.push({ action, move: { from: action.fromKey, to: action.key }, stat });
    } catch (err) {
      await fail(action, err);
    }
  }
  for (const { action } of items) deps.logger.info(`Moving ${action.fromKey} -> ${action.key}`);
  await moveAndSettle(items, deps, fail, async ({ action, stat }, outcome) => {
    if (!outcome.ok) {
      if (outcome.error.kind === 'exists') throw new TargetChangedError(action.key);
      const landed = outcome.error.kind === 'not-found' && (await withRetry(() => deps.remote.stat(action.key)))?.hash === action.remote.hash;
      if (!landed) throw outcome.error;
    }
    counts.moved++;
    await deps.journal.recordMove(action.fromKey, entryOf(action.key, action.path, { ...action.remote, key: action.key }, stat, deps));
  });
}

/**
 * Send every item's move in batches, then settle each outcome (`settle` records it, or throws to report the action
 * as failed or conflicting). A batch that fails as a whole fails all its actions.
 */
async function moveAndSettle<T extends { action: Action; move: { from: string; to: string } }>(
  items: readonly T[],
  deps: ExecuteDeps,
  fail: (action: Action, err: unknown) => Promise<void>,
  settle: (item: T, outcome: BatchOutcome) => Promise<void>,
): Promise<void> {
  if (items.length === 0) return;
  let outcomes: BatchOutcome[];
  try {
    outcomes = await deps.remote.moveMany(items.map((item) => item.move));
  } catch (err) {
    for (const { action } of items) await fail(action, err);
    return;
  }
  for (const [i, item] of items.entries()) {
    try {
      await settle(item, outcomes[i]);
      deps.onEvent?.({ type: 'action-end', action: item.action, ok: true });
    } catch (err) {
      await fail(item.action, err);
    }
  }
}

function download(
  object: RemoteObject,
  relPath: string,
  expected: { size: number; mtimeMs: number } | null,
  deps: ExecuteDeps,
  beforeReplace?: (finalPath: string) => Promise<void>,
): Promise<FetchedFile> {
  return downloadWith(fetchToFile, object, relPath, expected, deps, beforeReplace);
}

/** One download by `fetch` (whole, or up to the written partial file), through the CDN then the origin, retried. */
async function downloadWith<R>(
  fetch: (opts: Parameters<typeof fetchToFile>[0]) => Promise<R>,
  object: RemoteObject,
  relPath: string,
  expected: { size: number; mtimeMs: number } | null,
  deps: ExecuteDeps,
  beforeReplace?: (finalPath: string) => Promise<void>,
): Promise<R> {
  return downloadFromCdnThenOrigin(deps.remote, object.key, deps.logger, (fromOrigin, notRetried) =>
    withRetry(
      () =>
        fetch({
          remote: deps.remote,
          paths: deps.paths,
          object,
          relPath,
          expected,
          beforeReplace,
          fromOrigin,
          onBytes: (n) => deps.onEvent?.({ type: 'bytes', key: object.key, n }),
        }),
      { ...TRANSFER, notRetried },
    ),
  ).catch(async (err: unknown) => {
    // Out of space: the partial file would only keep the disk full; the next run starts this one afresh.
    if (isDiskFull(err)) await fsp.rm(partialPath(deps.paths, object), { force: true }).catch(() => {});
    throw err;
  });
}

/** What the journal keeps about how a downloaded copy was checked, and which origin served it. */
export function downloadCheck(object: RemoteObject, fetched: { check: ContentCheck; servedBy?: string }): FileCheck {
  return {
    remoteHash: object.hash,
    hashKind: fetched.check.kind,
    verifiedBy: fetched.check.verifiedBy,
    localQetag: fetched.check.localQetag,
    servedBy: fetched.servedBy ?? null,
  };
}

/**
 * Same bytes on both sides: for an object whose hash is not a plain qetag, keep the local qetag (to recognise the copy
 * when it is touched) and how the sameness was found. Nothing for plain qetags: the hash says it all. (A touched copy
 * found unchanged, `in-sync`, keeps the check its download recorded.)
 */
function recordCheck(object: RemoteObject, local: LocalFile): FileCheck | undefined {
  const kind = hashKind(object.hash);
  if (kind === 'v1-single' || kind === 'v1-multi' || local.hash === undefined) return undefined;
  return { remoteHash: object.hash, hashKind: kind, verifiedBy: kind === 'etag-v2' ? 'etag-v2' : object.md5 ? 'md5' : 'size', localQetag: local.hash, servedBy: null };
}

/** Transfers resume where the last attempt stopped (partial file, journaled parts): bounded by attempts, not time. */
const TRANSFER = { budgetMs: Infinity };

function expectedOf(file: LocalFile | null): { size: number; mtimeMs: number } | null {
  return file ? { size: file.size, mtimeMs: file.mtimeMs } : null;
}

/**
 * Stat a file the plan decided on and make sure it is still what was planned (or hashed). One synchronous stat, which
 * returns in microseconds, instead of a thread-pool round trip per file (it runs once per upload and per record).
 */
async function freshStat(abs: string, relPath: string, planned: LocalFile): Promise<{ size: number; mtimeMs: number }> {
  let st: Stats | undefined;
  try {
    st = statSync(abs, { throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  if (!st || st.size !== planned.size || st.mtimeMs !== planned.mtimeMs) throw new TargetChangedError(relPath);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

function entryOf(
  key: string,
  path: string,
  remote: RemoteObject,
  local: { size: number; mtimeMs: number },
  deps: ExecuteDeps,
): JournalEntry {
  return {
    key,
    path,
    remoteHash: remote.hash,
    fsize: remote.fsize,
    putTime: remote.putTime,
    localSize: local.size,
    localMtimeMs: local.mtimeMs,
    syncedAt: deps.now.getTime(),
    runId: deps.runId,
  };
}
