import type { Action, ActionKind, Plan } from './types.js';

/**
 * `flagged`: the plan exceeds the configured limits but a one-run override (`sync --max-change/--max-delete`) lets it
 * through; the run is marked so retention keeps what it replaced.
 */
export type GuardVerdict = { ok: true; flagged?: string } | { ok: false; reason: string };

/** A run changing fewer backed-up files than this is never refused by max_change (small buckets are not nagged). */
export const MIN_GUARDED_CHANGES = 10;

export interface GuardContext {
  /** Journal rows loaded for this run. */
  journalCount: number;
  /** Objects the bucket listing returned. */
  remoteCount: number;
  /** `[sync] max_delete` as a fraction 0..1 (config parses `50%` and `0.5` alike). */
  maxDelete: number;
  /**
   * `[sync] max_change`: fraction of journaled files a run may overwrite or delete (0..1); absent = no limit.
   * Applies only from MIN_GUARDED_CHANGES changes on, and never to the first run (empty journal).
   */
  maxChange?: number;
  /** The limits of config.ini when the command line overrode them for this run (then a breach only flags the run). */
  configured?: { maxDelete: number; maxChange?: number };
}

/** Actions that remove a file from one side. Renames (`move-*`) and `forget` (both sides already gone) are not. */
const DELETING: ReadonlySet<ActionKind> = new Set<ActionKind>(['delete-remote', 'trash-local']);

/**
 * Refuse a plan that would delete too much (rclone's `--max-delete`, Unison's "deleting everything" check), before
 * anything is applied:
 * - an empty bucket listing against a non-empty journal may be an outage, a wrong prefix or wrong credentials, so no
 *   deletion is allowed at all;
 * - otherwise deletions (delete-remote + trash-local) may be at most `maxDelete × journalCount`.
 */
export function guardPlan(plan: Plan, ctx: GuardContext): GuardVerdict {
  const verdict = guardWithLimits(plan, ctx);
  if (!verdict.ok || !ctx.configured) return verdict;
  const strict = guardWithLimits(plan, { ...ctx, ...ctx.configured });
  return strict.ok ? verdict : { ok: true, flagged: strict.reason };
}

/**
 * Actions that replace or remove a backed-up file's bytes: what max_change counts. Renames do not (a renamed folder
 * loses nothing; a rename that also changes the bytes is a deletion and a new key, not a `move-*`).
 */
const CHANGING: ReadonlySet<ActionKind> = new Set<ActionKind>(['delete-remote', 'trash-local']);

function isChange(action: Action): boolean {
  if (CHANGING.has(action.kind)) return true;
  if (action.kind === 'download') return action.reason === 'remote-modified' || action.reason === 'conflict';
  if (action.kind === 'upload') return action.expectRemoteHash !== null;
  return false;
}

function guardWithLimits(plan: Plan, ctx: GuardContext): GuardVerdict {
  const deletes = guardDeletes(plan, ctx);
  if (!deletes.ok) return deletes;
  return guardChanges(plan, ctx);
}

/**
 * Refuse a plan that would overwrite or delete more than `maxChange` of the journaled files (ransomware, a
 * buggy script, a wrong prefix), naming the top-level folders most affected.
 */
function guardChanges(plan: Plan, ctx: GuardContext): GuardVerdict {
  if (ctx.maxChange === undefined || ctx.journalCount === 0) return { ok: true };
  const byFolder = new Map<string, number>();
  let changes = 0;
  for (const item of plan.items) {
    if (!item.action || !isChange(item.action)) continue;
    changes++;
    const slash = item.key.indexOf('/');
    const folder = slash >= 0 ? item.key.slice(0, slash + 1) : '(top level)';
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
  }
  if (changes < MIN_GUARDED_CHANGES || changes <= ctx.maxChange * ctx.journalCount) return { ok: true };
  const top = [...byFolder.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 5)
    .map(([folder, n]) => `${folder} (${n})`)
    .join(', ');
  return {
    ok: false,
    reason:
      `the plan would overwrite or delete ${changes} of ${ctx.journalCount} journaled file(s) (${percent(changes, ctx.journalCount)}), ` +
      `more than max_change = ${formatFraction(ctx.maxChange)} (at most ${Math.floor(ctx.maxChange * ctx.journalCount)}); most in ${top}; ` +
      'nothing was changed. If this is intended, run once with sync --max-change 100% (old versions are kept either way)',
  };
}

function guardDeletes(plan: Plan, ctx: GuardContext): GuardVerdict {
  let deleteRemote = 0;
  let trashLocal = 0;
  for (const item of plan.items) {
    if (!item.action || !DELETING.has(item.action.kind)) continue;
    if (item.action.kind === 'delete-remote') deleteRemote++;
    else trashLocal++;
  }
  const deletions = deleteRemote + trashLocal;
  if (deletions === 0) return { ok: true };
  const what = `${deletions} deletion(s) (${deleteRemote} in the bucket, ${trashLocal} local file(s) to the trash)`;

  if (ctx.remoteCount === 0 && ctx.journalCount > 0) {
    return {
      ok: false,
      reason:
        `the bucket listing is empty but the journal has ${ctx.journalCount} file(s); refusing ${what}. ` +
        'Check the bucket name, prefix and credentials; nothing was changed',
    };
  }
  const limit = Math.floor(ctx.maxDelete * ctx.journalCount);
  if (deletions > ctx.maxDelete * ctx.journalCount) {
    return {
      ok: false,
      reason:
        `the plan has ${what} out of ${ctx.journalCount} journaled file(s) (${percent(deletions, ctx.journalCount)}), ` +
        `more than max_delete = ${formatFraction(ctx.maxDelete)} (at most ${limit}); nothing was changed. ` +
        'If this is intended, run once with sync --max-delete 100%',
    };
  }
  return { ok: true };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? 'all' : formatFraction(part / whole);
}

function formatFraction(f: number): string {
  return `${Math.round(f * 1000) / 10}%`;
}
