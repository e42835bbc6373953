import { planPrune, type RetentionPolicy } from '../core/retention.js';
import type { VersionRecord } from '../core/versions.js';
import type { Journal } from '../journal/journal.js';
import type { VersionStore } from '../local/version-store.js';
import type { RemoteStore } from '../remote/remote-store.js';

export interface PruneResult {
  dryRun: boolean;
  /** Versions whose bytes were (or, dry run, would be) let go. */
  versions: { key: string; hash: string; fsize: number; origin: string | null; until: number }[];
  storeFiles: number;
  trashObjects: number;
  freedBytes: number;
}

/**
 * Apply the retention policy to the local store and the bucket's trash (`qjournal prune`, and the end of every
 * successful sync). A version's row stays (history still says the key had it), marked `pruned`. Rows are marked
 * `pruning` before any byte goes, so an interrupted prune is finished by the next one; a store file is removed only
 * when no kept version has its hash. A dry run only plans.
 */
export async function pruneVersions(deps: {
  journal: Journal;
  store: VersionStore;
  remote: RemoteStore | null;
  policy: RetentionPolicy;
  now: number;
  dryRun: boolean;
}): Promise<PruneResult> {
  const { journal, store } = deps;
  const plan = planPrune(await retentionInput(journal, deps.policy, deps.now), deps.policy, await journal.flaggedRuns(), deps.now);
  const result: PruneResult = {
    dryRun: deps.dryRun,
    versions: plan.prune.map((v) => ({ key: v.key, hash: v.hash, fsize: v.fsize, origin: v.origin, until: v.untilAt! })),
    storeFiles: plan.freeStoreHashes.length,
    trashObjects: plan.deleteTrashKeys.length,
    freedBytes: plan.freedBytes,
  };
  if (deps.dryRun || plan.prune.length === 0) return result;

  await journal.setVersionLocation(
    plan.prune.map((v) => v.id),
    'pruning',
  );
  for (const hash of plan.freeStoreHashes) await store.remove(hash);
  const failedTrash = new Set<string>();
  if (plan.deleteTrashKeys.length > 0) {
    if (!deps.remote) throw new Error('pruning the bucket\'s trash needs the bucket');
    const outcomes = await deps.remote.deleteMany(plan.deleteTrashKeys);
    outcomes.forEach((o, i) => {
      if (!o.ok && o.error.kind !== 'not-found') failedTrash.add(plan.deleteTrashKeys[i]);
    });
  }
  // What could not be deleted stays `pruning`: the next prune tries again.
  const done = plan.prune.filter((v) => !(v.trashKey && failedTrash.has(v.trashKey)));
  await journal.setVersionLocation(
    done.map((v) => v.id),
    'pruned',
  );
  if (failedTrash.size > 0) throw new Error(`could not delete ${failedTrash.size} object(s) from the bucket's trash; the next prune tries again`);
  return result;
}

/**
 * What planPrune needs, read without loading every kept version (a sync prunes at its end, usually nothing): the
 * versions old enough for the shorter retention (or left `pruning`), plus the kept versions sharing their hashes
 * (a store file stays while any kept version needs it).
 */
async function retentionInput(journal: Journal, policy: RetentionPolicy, now: number): Promise<VersionRecord[]> {
  const spans = [policy.keepReplacedMs, policy.keepDeletedMs].filter((ms): ms is number => ms !== null);
  const candidates = await journal.versionsHoldingBytes(spans.length > 0 ? now - Math.min(...spans) : -1);
  const byId = new Map(candidates.map((v) => [v.id, v]));
  for (const hash of new Set(candidates.map((v) => v.hash))) {
    for (const v of await journal.versionsWithHash(hash)) {
      if (v.untilAt !== null && (v.location === 'store' || v.location === 'bucket-trash' || v.location === 'pruning')) byId.set(v.id, v);
    }
  }
  return [...byId.values()];
}
