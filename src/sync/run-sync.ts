import { humanBytes } from '../core/human-units.js';
import type { Config } from '../config/config.js';
import { guardPlan } from '../core/guard.js';
import { planSync } from '../core/plan.js';
import { inSyncCount, type Direction, type Plan, type PlanOptions } from '../core/types.js';
import { SafetyAbortError } from '../errors.js';
import type { Journal, RunCounts, RunOutcome, RunRecord, UnverifiedCopy, VersionStats } from '../journal/journal.js';
import { openJournal } from '../journal/open-journal.js';
import { runsAsSeen } from '../journal/run-liveness.js';
import { foldsCase } from '../local/folds-case.js';
import { rootPaths } from '../local/root-paths.js';
import { trashStamp } from '../local/trash.js';
import { VersionStore } from '../local/version-store.js';
import type { Logger } from '../log/logger.js';
import { FORM_UPLOAD_LIMIT, type RemoteStore } from '../remote/remote-store.js';
import { executePlan, type SyncEvent } from './execute-plan.js';
import { isFailure, type LocalProblem } from '../core/local-problems.js';
import { gatherState, hashAmbiguous, leaveUnreadAlone } from './gather.js';
import { ContextUnsettledError, gatherInKeyOrder, KeyOrderError } from './gather-in-key-order.js';
import { journalUploadSessions } from './journal-upload-sessions.js';
import { recordedRun, underLock } from './locked-run.js';
import { migrateLocalTrash } from './migrate-local-trash.js';
import { asWrongRegionConfigError } from './wrong-region.js';
import { pruneVersions } from './prune.js';
import type { EarlySides, EarlyStart } from './early-start.js';

export interface SyncRequest {
  config: Config;
  remote: RemoteStore;
  logger: Logger;
  dryRun: boolean;
  direction?: Direction;
  onEvent?: (event: SyncEvent) => void;
  now?: Date;
  /** The walk begun by the caller before it loaded the SDK (`startEarly`), the listing begun here; let go at the end. */
  early?: EarlyStart | null;
  /** One-run overrides of `[sync] max_change` / `max_delete` (fractions 0..1): `sync --max-change/--max-delete`. */
  limits?: { maxChange?: number; maxDelete?: number };
}

export interface SyncOutcome {
  plan: Plan;
  counts: RunCounts;
  outcome: RunOutcome;
  /** Conflicts left for the user (conflict = report, or a target that changed during the run). */
  unresolvedConflicts: number;
  dryRun: boolean;
}

const ZERO: RunCounts = { downloaded: 0, uploaded: 0, moved: 0, deleted: 0, conflicts: 0, failed: 0, bytesDown: 0, bytesUp: 0 };

/**
 * One sync run: check access → lock → gather (list, walk and journal merged in key order) → hash the ambiguous → plan →
 * guard → execute.
 * A dry run stops after the plan and writes nothing at all (no lock, no journal row, no folder).
 */
export async function runSync(req: SyncRequest): Promise<SyncOutcome> {
  try {
    await checkAccess(req);
    return await syncWithAccess(req);
  } catch (err) {
    throw asWrongRegionConfigError(err, req.config) ?? err;
  } finally {
    await req.early?.close();
  }
}

async function syncWithAccess(req: SyncRequest): Promise<SyncOutcome> {
  const { config, remote, logger } = req;
  const now = req.now ?? new Date();
  const direction = req.direction ?? config.sync.direction;
  const paths = rootPaths(config.local.root);
  if (req.dryRun) {
    const journal = await openJournal(config.journal.path, { readonly: true });
    try {
      const { plan } = await buildPlan(req, journal, direction, now, req.early?.sides() ?? {});
      return { plan, counts: ZERO, outcome: 'ok', unresolvedConflicts: countReported(plan), dryRun: true };
    } finally {
      await journal.close();
    }
  }

  return underLock(paths, config.journal.path, async ({ lock, journal }) => {
    // Walk and listing began before the lock: they stand only if no run held it since (early-start.ts).
    const early = req.early ? await req.early.sidesUnder(lock) : {};
    if (early === null) logger.debug('Another run took the lock while the local walk and the listing were under way: walking and listing again');
    let counts = ZERO;
    const failure = (err: unknown) => ({ outcome: err instanceof SafetyAbortError ? ('aborted' as const) : ('failed' as const), counts });
    return recordedRun(journal, { command: 'sync', direction }, async (runId) => {
      await journal.pruneUploadSessions(Math.floor(now.getTime() / 1000));
      const store = new VersionStore(paths.storeDir);
      await migrateLocalTrash({ paths, journal, store, prefix: config.bucket.prefix, runId, logger }).catch((err: unknown) => {
        logger.warn(`Could not move the old local trash into the version store (the next run tries again): ${messageOf(err)}`);
      });
      const { plan, journalCount, remoteCount } = await buildPlan(req, journal, direction, now, early ?? {});
      const configured = { maxDelete: config.sync.maxDelete, maxChange: config.sync.maxChange };
      const overridden = req.limits && (req.limits.maxChange !== undefined || req.limits.maxDelete !== undefined);
      const verdict = guardPlan(plan, {
        journalCount,
        remoteCount,
        maxDelete: req.limits?.maxDelete ?? configured.maxDelete,
        maxChange: req.limits?.maxChange ?? configured.maxChange,
        configured: overridden ? configured : undefined,
      });
      if (!verdict.ok) {
        // Retention keeps the versions of a flagged run's time (core/retention.ts).
        await journal.markRunFlagged(runId);
        throw new SafetyAbortError(verdict.reason);
      }
      if (verdict.flagged) {
        await journal.markRunFlagged(runId);
        logger.warn(`Applying a plan beyond the configured limits (command-line override): ${verdict.flagged}`);
      }

      const result = await executePlan(plan, {
        remote,
        journal,
        paths,
        logger,
        runId,
        concurrency: config.sync.concurrency,
        now,
        trashStamp: trashStamp(now),
        store,
        onEvent: req.onEvent,
        uploadSessions: journalUploadSessions(journal),
        failedBefore: (plan.problems ?? []).filter((p) => isFailure(p.kind)).length,
      });
      counts = result.counts;
      // The next run's merge reads the journal from this copy (when it wrote no row, there is nothing to do). Only a
      // cache: should it fail, the next run reads the table, and this run's outcome stands.
      await journal.refreshSnapshot().catch((err: unknown) => {
        logger.warn(`Could not refresh the journal's files snapshot: ${err instanceof Error ? err.message : String(err)}`);
      });
      if (counts.failed === 0) {
        // Retention runs after a run that went through; its failure costs a warning, and the next run tries again.
        await pruneVersions({ journal, store, remote, policy: config.versions, now: now.getTime(), dryRun: false })
          .then((pruned) => {
            if (pruned.versions.length > 0) {
              logger.info(`Pruned ${pruned.versions.length} old version(s) past retention, ${pruned.freedBytes} bytes freed`);
            }
          })
          .catch((err: unknown) => logger.warn(`Could not prune old versions: ${messageOf(err)}`));
      }
      const unresolvedConflicts = countReported(plan) + result.lateConflicts;
      const outcome: RunOutcome = counts.failed > 0 ? 'partial' : unresolvedConflicts > 0 ? 'conflicts' : 'ok';
      logger.info(summaryLine(counts, plan, unresolvedConflicts));
      // The outcome stands even when the journal cannot take its row (a full disk): the next run closes it.
      await journal.finishRun(runId, outcome, counts).catch((err: unknown) => {
        logger.error(`Could not record the end of run ${runId} in the journal: ${err instanceof Error ? err.message : String(err)}`);
      });
      // The copy `recover-journal` offers when the journal is ever damaged. Only a copy: failing costs a warning.
      await journal.keepLastGoodCopy().catch((err: unknown) => {
        logger.warn(`Could not keep a last good copy of the journal: ${err instanceof Error ? err.message : String(err)}`);
      });
      return { plan, counts, outcome, unresolvedConflicts, dryRun: false };
    }, failure);
  });
}

/** `qjournal status`: the plan a sync would run, computed read-only. */
export async function computeStatus(
  req: Omit<SyncRequest, 'dryRun' | 'onEvent'>,
): Promise<{ plan: Plan; lastRun: RunRecord | null; versions: VersionStats; unverified: UnverifiedCopy[] }> {
  try {
    await checkAccess(req);
    const journal = await openJournal(req.config.journal.path, { readonly: true });
    try {
      const direction = req.direction ?? req.config.sync.direction;
      const { plan } = await buildPlan({ ...req, dryRun: true }, journal, direction, req.now ?? new Date(), req.early?.sides() ?? {});
      const last = await journal.lastRun();
      const lastRun = last && (await runsAsSeen([last], rootPaths(req.config.local.root).lockFile))[0];
      return { plan, lastRun, versions: await journal.versionStats(), unverified: await journal.unverifiedCopies() };
    } finally {
      await journal.close();
    }
  } finally {
    await req.early?.close();
  }
}

/**
 * Wrong keys or an unreachable server fail here, before anything on disk is touched (exit 4). When the walk began
 * early, so does the listing, and its first page is the check (early-start.ts); else the check is a request of its own.
 */
async function checkAccess(req: Pick<SyncRequest, 'remote' | 'early'>): Promise<void> {
  if (req.early) await req.early.list(req.remote);
  else await req.remote.checkAccess();
}

async function buildPlan(req: Omit<SyncRequest, 'early'>, journal: Journal, direction: Direction, now: Date, early: EarlySides) {
  const { config, remote, logger } = req;
  const root = config.local.root;
  const prefix = config.bucket.prefix;
  const exclude = config.sync.exclude;
  const caseInsensitive = await foldsCase(root);
  const options: PlanOptions = { direction, deletes: config.sync.deletes, conflict: config.sync.conflict, now, caseInsensitive };
  const streamed = { remote, journal, root, prefix, exclude, options, walk: early.walk, pages: early.pages };
  const gathered = await gatherInKeyOrder(streamed).catch(async (err: unknown) => {
    if (!(err instanceof KeyOrderError || err instanceof ContextUnsettledError)) throw err;
    logger.warn(`${err.message}: gathering everything in memory instead`);
    const all = await gatherState({ remote, journal, root, prefix, exclude });
    return { ...all, settled: 0, remoteCount: all.remote.length, journalCount: all.journal.length };
  });
  const unread: LocalProblem[] = [];
  const hashedBytes = await hashAmbiguous(root, gathered.local, gathered.journal, { remote: gathered.remote, prefix, checks: journal, hashAtUploadUpTo: FORM_UPLOAD_LIMIT }, unread);
  leaveUnreadAlone(gathered, unread, prefix);
  const problems = [...gathered.skipped, ...unread];
  for (const p of problems) logger.warn(`Not backed up: ${JSON.stringify(p.path)}: ${p.detail}`);
  logger.debug(
    `Found ${gathered.remoteCount} remote objects and ${gathered.journalCount} journal rows; ${gathered.settled} keys in sync on all sides, ` +
      `${gathered.remote.length} objects, ${gathered.local.length} local files and ${gathered.journal.length} journal rows planned; hashed ${hashedBytes} bytes`,
  );
  const planned = planSync({
    remote: gathered.remote,
    local: gathered.local,
    journal: gathered.journal,
    prefix,
    options,
  });
  const plan: Plan = { ...planned, ...(gathered.settled > 0 ? { settled: gathered.settled } : {}), ...(problems.length > 0 ? { problems } : {}) };
  for (const item of plan.items) {
    if (item.state !== 'in-sync') {
      logger.debug(`Plan ${item.key || item.path}: ${item.state} -> ${item.action?.kind ?? 'nothing'}${item.note ? ` (${item.note})` : ''}`);
    }
    if (item.state === 'unmappable') logger.warn(`Cannot map ${JSON.stringify(item.key || item.path)}: ${item.note ?? ''}`);
  }
  return { plan, journalCount: gathered.journalCount, remoteCount: gathered.remoteCount };
}

function countReported(plan: Plan): number {
  return plan.items.filter((i) => i.state === 'conflict' && i.action === null).length;
}

function summaryLine(c: RunCounts, plan: Plan, unresolved: number): string {
  const inSync = inSyncCount(plan);
  return (
    `Done: ${c.downloaded} downloaded (${humanBytes(c.bytesDown)}), ${c.uploaded} uploaded (${humanBytes(c.bytesUp)}), ` +
    `${c.moved} moved, ${c.deleted} deleted, ${c.conflicts} conflicts (${unresolved} unresolved), ${c.failed} failed, ${inSync} unchanged`
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
