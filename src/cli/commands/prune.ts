import type { Config } from '../../config/config.js';
import { openJournal } from '../../journal/open-journal.js';
import { rootPaths } from '../../local/root-paths.js';
import { VersionStore } from '../../local/version-store.js';
import { recordedRun, underLock, ZERO_COUNTS } from '../../sync/locked-run.js';
import { pruneVersions, type PruneResult } from '../../sync/prune.js';
import { loadCommandConfig, openContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { humanBytes } from '../progress.js';

/** `qjournal prune [--dry-run]`: the [versions] retention policy, applied now (a sync applies it at its end too). */
export async function pruneCommand(flags: { config?: string; dryRun?: boolean; json?: boolean }): Promise<ExitCode> {
  const loaded = await loadCommandConfig(flags.config);
  const result = flags.dryRun ? await planOnly(loaded.config) : await pruneNow(loaded, flags);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return EXIT.ok;
  }
  const verb = result.dryRun ? 'Would free' : 'Freed';
  for (const v of result.versions) {
    process.stdout.write(`${result.dryRun ? 'would prune' : 'pruned'} ${v.key} ${v.hash} (${v.origin ?? ''}, until ${new Date(v.until).toISOString()})\n`);
  }
  process.stdout.write(
    `${verb} ${humanBytes(result.freedBytes)}: ${result.versions.length} version(s), ${result.storeFiles} file(s) in the local store, ` +
      `${result.trashObjects} object(s) in the bucket's trash\n`,
  );
  return EXIT.ok;
}

/** A dry run reads the journal only: no lock, no credentials, nothing written. */
async function planOnly(config: Config): Promise<PruneResult> {
  const journal = await openJournal(config.journal.path, { readonly: true });
  try {
    const store = new VersionStore(rootPaths(config.local.root).storeDir);
    return await pruneVersions({ journal, store, remote: null, policy: config.versions, now: Date.now(), dryRun: true });
  } finally {
    await journal.close();
  }
}

async function pruneNow(loaded: Awaited<ReturnType<typeof loadCommandConfig>>, flags: { json?: boolean }): Promise<PruneResult> {
  const ctx = await openContext({ loaded, json: flags.json });
  const paths = rootPaths(ctx.config.local.root);
  try {
    return await underLock(paths, ctx.config.journal.path, ({ journal }) =>
      recordedRun(journal, { command: 'prune', direction: '-' }, async (runId) => {
        const result = await pruneVersions({
          journal,
          store: new VersionStore(paths.storeDir),
          remote: ctx.remote,
          policy: ctx.config.versions,
          now: Date.now(),
          dryRun: false,
        });
        await journal.finishRun(runId, 'ok', ZERO_COUNTS, `pruned ${result.versions.length} version(s), ${result.freedBytes} bytes freed`);
        return result;
      }),
    );
  } finally {
    await ctx.close();
  }
}
