import type { ActionKind, Plan } from './types.js';

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

export interface GuardContext {
  /** Journal rows loaded for this run. */
  journalCount: number;
  /** Objects the bucket listing returned. */
  remoteCount: number;
  /** `[sync] max_delete` as a fraction 0..1 (config parses `50%` and `0.5` alike). */
  maxDelete: number;
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
        'Raise [sync] max_delete for one run if this is intended',
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
