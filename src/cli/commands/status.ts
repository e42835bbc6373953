import type { LogLevel } from '../../config/config.js';
import { checkLocalRoot } from '../../sync/check-root.js';
import { startEarly, type EarlyStart } from '../../sync/early-start.js';
import { computeStatus } from '../../sync/run-sync.js';
import { loadCommandConfig, openContext, type LoadedConfig } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { humanBytes } from '../progress.js';
import { planToJson, renderPlan } from '../render-plan.js';
import { renderUnverified, unverifiedToJson } from '../render-unverified.js';

export async function statusCommand(flags: { config?: string; json?: boolean; level?: LogLevel }): Promise<ExitCode> {
  const loaded = await loadCommandConfig(flags.config);
  await checkLocalRoot(loaded.config, { writable: false });
  const early = await startEarly(loaded.config);
  try {
    return await statusWith(flags, loaded, early);
  } finally {
    await early?.close();
  }
}

async function statusWith(flags: { json?: boolean; level?: LogLevel }, loaded: LoadedConfig, early: EarlyStart | null): Promise<ExitCode> {
  const ctx = await openContext({ loaded, json: flags.json, level: flags.level });
  try {
    const { plan, lastRun, versions, unverified } = await computeStatus({ config: ctx.config, remote: ctx.remote, logger: ctx.logger, early });
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ bucket: ctx.config.bucket.name, root: ctx.config.local.root, lastRun, ...planToJson(plan), versions, unverified: unverifiedToJson(unverified) })}\n`,
      );
    } else {
      const color = Boolean(process.stdout.isTTY);
      process.stdout.write(renderPlan(plan, { onlyActions: false, color, lastRun }) + renderUnverified(unverified, { color }));
      process.stdout.write(
        `Versions: ${versions.kept} old version(s) kept: ${versions.storeFiles} file(s), ${humanBytes(versions.storeBytes)} in the local store; ` +
          `${versions.trashObjects} object(s), ${humanBytes(versions.trashBytes)} in the bucket's trash\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await ctx.close();
  }
}
