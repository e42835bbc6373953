import type { Config } from '../config/config.js';
import { observeLock, type HeldLock } from '../journal/lock.js';
import { rootPaths } from '../local/root-paths.js';
import { startWalk, type StartedWalk } from '../local/walk-in-key-order.js';

/**
 * The local walk of a sync, started before the run lock is taken: it only reads, so it can overlap loading the SDK,
 * the access check and opening the journal (~80 ms of a no-op sync of 100k files, on a core that was idle).
 *
 * Files change under the lock, so the walk is only as good as the lock's state while it ran: it is started only
 * when no run holds the lock, and used only when no run took the lock between that look and this run's own
 * acquisition (`isCurrent`). Otherwise the sync walks again under its lock. A dry run or `status`, which take no
 * lock, use it as they would a walk of their own.
 */
export interface Prewalk extends StartedWalk {
  /** The lock's last token when the walk started (see `observeLock`). */
  readonly lastToken: string | null;
}

/** Start the walk `config` asks for, or null when a run holds the lock (the sync will refuse to run anyway). */
export async function startPrewalk(config: Config): Promise<Prewalk | null> {
  // Unreadable lock state: no head start; the sync itself reports what is wrong with the folder.
  const seen = await observeLock(rootPaths(config.local.root).lockFile).catch(() => null);
  if (seen === null || seen.held) return null;
  const walk = startWalk(config.local.root, config.bucket.prefix, config.sync.exclude);
  return { ...walk, lastToken: seen.lastToken };
}

/** True when no run held the lock from the walk's start until `lock` was taken: the walk saw what this run owns. */
export function isCurrent(prewalk: Prewalk, lock: HeldLock): boolean {
  return lock.previousToken === prewalk.lastToken;
}
