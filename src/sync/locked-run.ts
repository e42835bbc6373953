import { promises as fsp } from 'node:fs';
import type { Journal, RunCounts, RunOutcome } from '../journal/journal.js';
import { acquireLock, releaseLockOnExit, type HeldLock } from '../journal/lock.js';
import { openJournal } from '../journal/open-journal.js';
import type { RootPaths } from '../local/root-paths.js';

export const ZERO_COUNTS: RunCounts = { downloaded: 0, uploaded: 0, moved: 0, deleted: 0, conflicts: 0, failed: 0, bytesDown: 0, bytesUp: 0 };

/**
 * The life every writing run shares (sync, restore, prune): take the root's lock, open the journal for writing, run
 * `fn`, then close the journal and release the lock on every path (even when closing fails). Ctrl+C or kill releases
 * the lock too; a kill -9 is caught later by the dead-PID check. Under the lock no other run is live, so rows still
 * `running` belong to runs that were killed or stopped: they are marked interrupted first.
 */
export async function underLock<T>(
  paths: RootPaths,
  journalPath: string,
  fn: (held: { lock: HeldLock; journal: Journal }) => Promise<T>,
): Promise<T> {
  await fsp.mkdir(paths.stateDir, { recursive: true });
  const lock = await acquireLock(paths.lockFile);
  const unhookLock = releaseLockOnExit(lock);
  try {
    const journal = await openJournal(journalPath);
    try {
      await journal.markInterruptedRuns();
      return await fn({ lock, journal });
    } finally {
      await journal.close();
    }
  } finally {
    unhookLock();
    await lock.release();
  }
}

/**
 * One run row around `fn`: started before it, and closed as failed (or as `failure` says) when it throws, with the
 * error's message; the error then goes on. `fn` closes the row itself on success (its outcome, counts and note are its
 * own). A journal that cannot take the closing row does not hide the run's error.
 */
export async function recordedRun<T>(
  journal: Journal,
  start: { command: string; direction: string },
  fn: (runId: number) => Promise<T>,
  failure: (err: unknown) => { outcome: RunOutcome; counts: RunCounts } = () => ({ outcome: 'failed', counts: ZERO_COUNTS }),
): Promise<T> {
  const runId = await journal.startRun(start);
  try {
    return await fn(runId);
  } catch (err) {
    const { outcome, counts } = failure(err);
    await journal.finishRun(runId, outcome, counts, err instanceof Error ? err.message : String(err)).catch(() => {});
    throw err;
  }
}
