import { SYNC_STATES, type Plan, type SyncState } from './types.js';

/** How many keys of a plan are in each state; settled keys (the no-op fast path's) count as in sync. */
export function countStates(plan: Plan): Record<SyncState, number> {
  const counts = Object.fromEntries(SYNC_STATES.map((s) => [s, 0])) as Record<SyncState, number>;
  for (const item of plan.items) counts[item.state]++;
  counts['in-sync'] += plan.settled ?? 0;
  return counts;
}
