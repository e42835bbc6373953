import type { RunRecord } from './journal.js';
import { observeLock } from './lock.js';

/**
 * Runs as a reader outside the lock should show them (`log`, `status`): a row still `running` is live only while a
 * run holds the lock and the row was started under it (a run takes the lock before it writes its row); any other is
 * a run that was killed or stopped, shown as `interrupted`. (The next run that takes the lock writes that down.)
 */
export async function runsAsSeen(runs: RunRecord[], lockPath: string): Promise<RunRecord[]> {
  if (!runs.some((r) => r.outcome === 'running')) return runs;
  const lock = await observeLock(lockPath).catch(() => null);
  const since = lock?.held ? (lock.owner ? Date.parse(lock.owner.startedAt) : -Infinity) : null;
  const live = since === null ? undefined : runs.filter((r) => r.outcome === 'running' && r.startedAt >= since - CLOCK_SLACK_MS).sort((a, b) => b.id - a.id)[0];
  return runs.map((r) => (r.outcome === 'running' && r !== live ? { ...r, outcome: 'interrupted' } : r));
}

/** The lock's time and the row's come from the same clock, but the lock's is an ISO string rounded to the ms. */
const CLOCK_SLACK_MS = 1_000;
