import { parseTimeSpec } from '../core/time-spec.js';
import { versionWhere, type VersionRecord, type VersionWhere } from '../core/versions.js';
import { UsageError } from '../errors.js';
import type { Journal, VersionStats } from '../journal/journal.js';
import type { VersionStore } from '../local/version-store.js';

/** One version as `versions <key> --json` reports it (times ISO 8601 UTC; `until` null for the current one). */
export interface KeyVersion {
  hash: string;
  fsize: number;
  since: string;
  until: string | null;
  origin: string | null;
  where: VersionWhere;
  /** The bucket's trash key holding its bytes, when `where` is bucket-trash. */
  trashKey?: string;
  sinceRun: number;
  untilRun: number | null;
}

/** Every known version of `key`, newest first, with where its bytes can be found now. */
export async function listKeyVersions(deps: { journal: Journal; store: VersionStore }, key: string): Promise<KeyVersion[]> {
  const versions = await deps.journal.listVersions(key);
  const out: KeyVersion[] = [];
  for (const v of versions) out.push(await describeVersion(deps, v));
  return out;
}

export async function describeVersion(deps: { journal: Journal; store: VersionStore }, v: VersionRecord): Promise<KeyVersion> {
  const inStore = v.untilAt !== null && (await deps.store.has(v.hash));
  const currentElsewhere = v.untilAt !== null && !inStore && (await deps.journal.versionsWithHash(v.hash)).some((o) => o.untilAt === null);
  const where = versionWhere(v, inStore, currentElsewhere);
  return {
    hash: v.hash,
    fsize: v.fsize,
    since: new Date(v.sinceAt).toISOString(),
    until: v.untilAt === null ? null : new Date(v.untilAt).toISOString(),
    origin: v.origin,
    where,
    ...(where === 'bucket-trash' && v.trashKey ? { trashKey: v.trashKey } : {}),
    sinceRun: v.sinceRun,
    untilRun: v.untilRun,
  };
}

/** The version store's size and the number of versions (for `status` and the dashboard). */
export function versionSummary(journal: Journal): Promise<VersionStats> {
  return journal.versionStats();
}

/**
 * A `<time>` (core/time-spec.ts) as Unix ms. A run number is the state at the end of that run (UsageError when the
 * journal has no such run).
 */
export async function resolveTime(journal: Journal, text: string, now: Date = new Date()): Promise<number> {
  const spec = parseTimeSpec(text, now);
  if ('error' in spec) throw new UsageError(spec.error);
  if (spec.kind === 'time') return spec.at;
  const run = await journal.getRun(spec.run);
  if (!run) throw new UsageError(`the journal has no run #${spec.run} (see qjournal log)`);
  return run.finishedAt ?? run.startedAt;
}
