import { Chalk } from 'chalk';
import { countStates } from '../core/count-states.js';
import { isFailure } from '../core/local-problems.js';
import { SYNC_STATES, type Action, type Plan, type SyncState } from '../core/types.js';
import { localTime } from '../core/human-units.js';
import type { RunRecord } from '../journal/journal.js';

/** `status --json` body (shared/contract.md): counts of every state; items for everything not in sync. */
export function planToJson(plan: Plan) {
  return {
    counts: countStates(plan),
    items: plan.items
      .filter((i) => i.state !== 'in-sync')
      .map((i) => ({ key: i.key, path: i.path, state: i.state, action: i.action?.kind ?? null, ...(i.note ? { note: i.note } : {}) })),
    /** What could not be backed up, by name: `{path, kind, detail}` (unreadable, bad names, symlinks, special files). */
    problems: (plan.problems ?? []).map(({ path, kind, detail }) => ({ path, kind, detail })),
  };
}

const STATE_COLOR: Record<SyncState, 'green' | 'cyan' | 'yellow' | 'red' | 'magenta' | 'gray'> = {
  'in-sync': 'green',
  'new-remote': 'cyan',
  'new-local': 'cyan',
  'remote-modified': 'yellow',
  'local-modified': 'yellow',
  conflict: 'red',
  'remote-deleted': 'magenta',
  'local-deleted': 'magenta',
  'renamed-remote': 'cyan',
  'renamed-local': 'cyan',
  unmappable: 'red',
};

/** Human view of a plan: one line per item that is not in sync, then the counts. */
export function renderPlan(plan: Plan, opts: { onlyActions: boolean; color: boolean; lastRun?: RunRecord | null }): string {
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const lines: string[] = [];
  if (opts.lastRun !== undefined) {
    lines.push(
      opts.lastRun
        ? `Last run: #${opts.lastRun.id} ${localTime(opts.lastRun.startedAt)} ${opts.lastRun.outcome}`
        : 'Last run: never',
    );
  }
  for (const item of plan.items) {
    if (item.state === 'in-sync') continue;
    if (opts.onlyActions && !item.action) continue;
    const state = chalk[STATE_COLOR[item.state]](item.state.padEnd(15));
    const what = item.action ? describeAction(item.action) : 'no action';
    lines.push(`${state} ${displayName(item)}  ${chalk.gray(`→ ${what}${item.note ? `: ${item.note}` : ''}`)}`);
  }
  for (const p of plan.problems ?? []) {
    lines.push(`${chalk[isFailure(p.kind) ? 'red' : 'yellow'](p.kind.padEnd(15))} ${p.path}  ${chalk.gray(`→ not backed up (${p.detail})`)}`);
  }
  const counts = countStates(plan);
  const summary = SYNC_STATES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  lines.push(summary.length ? summary.join(', ') : 'nothing to do: bucket and folder are empty');
  return `${lines.join('\n')}\n`;
}

/** The key, and the local path where it differs (a prefix, an escaped name); a local file with no key: its path. */
export function displayName(item: { key: string; path: string | null }): string {
  if (!item.key) return item.path ?? '""';
  // Control characters and edge spaces would be invisible: such a key is shown quoted.
  const key = /[\x00-\x1f\x7f]|^\s|\s$/.test(item.key) ? JSON.stringify(item.key) : item.key;
  return item.path !== null && item.path !== item.key ? `${key} (local ${item.path})` : key;
}

export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'move-remote':
      return `move ${action.fromKey} → ${action.key} on the server`;
    case 'move-local':
      return `rename ${action.fromPath} → ${action.path}`;
    case 'keep-both':
      return `keep both (local copy → ${action.conflictPath})`;
    default:
      return action.kind;
  }
}
