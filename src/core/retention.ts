import type { VersionOrigin, VersionRecord } from './versions.js';

/**
 * Retention of old versions, time-based (restic's docs warn that count-based policies can be flushed by junk runs):
 * a version's bytes are kept for a while after it stopped being current. null = forever, 0 = not at all.
 */
export interface RetentionPolicy {
  /** `[versions] keep_replaced`: versions replaced by a newer one (overwritten, edited, a conflict's loser). */
  keepReplacedMs: number | null;
  /** `[versions] keep_deleted`: versions whose key was deleted (either side, or the old local trash). */
  keepDeletedMs: number | null;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keepReplacedMs: 90 * 86_400_000, keepDeletedMs: 365 * 86_400_000 };

const DELETED_ORIGINS: ReadonlySet<VersionOrigin> = new Set<VersionOrigin>(['remote-delete', 'local-delete', 'deleted']);

export interface PrunePlan {
  /** Versions whose bytes go (their rows stay, marked pruned: history still says the key had them). */
  prune: VersionRecord[];
  /** Local store files no kept version needs any more. */
  freeStoreHashes: string[];
  /** Objects in the bucket's trash to delete. */
  deleteTrashKeys: string[];
  /** Bytes freed: store files once each, trash objects each. */
  freedBytes: number;
}

/**
 * Which versions' bytes retention lets go. `versions`: the ended versions that still hold bytes (location store,
 * bucket-trash or pruning); `flaggedRuns`: ids of runs the mass-change guard flagged. Never pruned: the version a key
 * had right before a flagged run (current when it started, ended by it or later). A version left `pruning` by an
 * interrupted prune is always finished.
 */
export function planPrune(versions: readonly VersionRecord[], policy: RetentionPolicy, flaggedRuns: readonly number[], now: number): PrunePlan {
  const prune: VersionRecord[] = [];
  const kept: VersionRecord[] = [];
  for (const v of versions) {
    if (v.untilAt === null) continue;
    const protectedByGuard = flaggedRuns.some((f) => v.sinceRun < f && (v.untilRun === null || v.untilRun >= f));
    const keepMs = v.origin !== null && DELETED_ORIGINS.has(v.origin) ? policy.keepDeletedMs : policy.keepReplacedMs;
    const expired = keepMs !== null && now - v.untilAt >= keepMs;
    if (v.location === 'pruning' || (expired && !protectedByGuard)) prune.push(v);
    else kept.push(v);
  }
  const storeNeeded = new Set(kept.filter((v) => v.location === 'store').map((v) => v.hash));
  const free = new Map<string, number>();
  for (const v of prune) if (v.location !== 'bucket-trash' && !storeNeeded.has(v.hash)) free.set(v.hash, v.fsize);
  const trash = prune.filter((v) => v.trashKey !== null && v.location !== 'store');
  const freedBytes = [...free.values()].reduce((a, b) => a + b, 0) + trash.reduce((a, v) => a + v.fsize, 0);
  return { prune, freeStoreHashes: [...free.keys()], deleteTrashKeys: trash.map((v) => v.trashKey!), freedBytes };
}

/** `90d`, `12w`, `1y`, `48h`, `0` (keep nothing) or `forever` → ms (null = forever); null result = invalid. */
export function parseRetention(value: string): { ms: number | null } | null {
  const v = value.trim().toLowerCase();
  if (v === 'forever') return { ms: null };
  if (v === '0') return { ms: 0 };
  const m = /^(\d+)\s*([hdwy])$/.exec(v);
  if (!m) return null;
  const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 }[m[2] as 'h' | 'd' | 'w' | 'y'];
  return { ms: Number(m[1]) * unit };
}
