import type { LogLevel } from '../../config/config.js';
import type { Direction } from '../../core/types.js';
import { parseFraction } from '../../config/parse-config.js';
import { UsageError } from '../../errors.js';
import { checkLocalRoot } from '../../sync/check-root.js';
import { startEarly, type EarlyStart } from '../../sync/early-start.js';
import { runSync } from '../../sync/run-sync.js';
import { loadCommandConfig, openContext, type LoadedConfig } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { createProgress } from '../progress.js';
import { renderPlan, planToJson } from '../render-plan.js';

export interface SyncFlags {
  config?: string;
  dryRun?: boolean;
  direction?: string;
  json?: boolean;
  maxChange?: string;
  maxDelete?: string;
  quiet?: boolean;
  level?: LogLevel;
}

export async function syncCommand(flags: SyncFlags): Promise<ExitCode> {
  const direction = parseDirection(flags.direction);
  parseLimits(flags);
  const loaded = await loadCommandConfig(flags.config);
  await checkLocalRoot(loaded.config, { writable: !flags.dryRun });
  const early = await startEarly(loaded.config);
  try {
    return await syncWith(flags, direction, loaded, early);
  } finally {
    await early?.close();
  }
}

async function syncWith(flags: SyncFlags, direction: Direction | undefined, loaded: LoadedConfig, early: EarlyStart | null): Promise<ExitCode> {
  const progress = flags.dryRun || flags.json || flags.quiet ? null : createProgress(process.stderr);
  const ctx = await openContext({ loaded, json: flags.json, console: progress?.console, level: flags.level });
  try {
    const outcome = await runSync({
      config: ctx.config,
      remote: ctx.remote,
      logger: ctx.logger,
      dryRun: Boolean(flags.dryRun),
      direction,
      limits: parseLimits(flags),
      onEvent: progress?.onEvent,
      early,
    }).finally(() => progress?.stop());
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ dryRun: outcome.dryRun, outcome: outcome.outcome, transferred: outcome.counts, ...planToJson(outcome.plan) })}\n`,
      );
    } else if (outcome.dryRun) {
      process.stdout.write(renderPlan(outcome.plan, { onlyActions: true, color: Boolean(process.stdout.isTTY) }));
    }
    if (outcome.counts.failed > 0) return EXIT.partial;
    if (outcome.unresolvedConflicts > 0) return EXIT.conflicts;
    return EXIT.ok;
  } finally {
    await ctx.close();
  }
}

/** `--max-change P` / `--max-delete P`: `50%` or `0.5`, like the config keys. */
export function parseLimits(flags: { maxChange?: string; maxDelete?: string }): { maxChange?: number; maxDelete?: number } {
  const one = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = parseFraction(value.trim());
    if (typeof parsed !== 'number') throw new UsageError(`${flag} ${parsed.error} (got ${JSON.stringify(value)})`);
    return parsed;
  };
  return { maxChange: one('--max-change', flags.maxChange), maxDelete: one('--max-delete', flags.maxDelete) };
}

export function parseDirection(value: string | undefined): Direction | undefined {
  if (value === undefined) return undefined;
  if (value === 'down' || value === 'up' || value === 'both') return value;
  throw new UsageError(`--direction must be down, up or both (got ${JSON.stringify(value)})`);
}
