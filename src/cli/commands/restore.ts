import type { LogLevel } from '../../config/config.js';
import { mapKeys } from '../../core/keys.js';
import { UsageError } from '../../errors.js';
import { checkLocalRoot } from '../../sync/check-root.js';
import { resolveRestoreKey } from '../../sync/resolve-restore-key.js';
import { restoreKey } from '../../sync/restore-key.js';
import { restoreKeyVersion, restoreTreeAt, withRestoreRun, type VersionChoice } from '../../sync/restore-version.js';
import { resolveTime } from '../../sync/versions.js';
import { loadCommandConfig, openContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export interface RestoreFlags {
  config?: string;
  to?: string;
  at?: string;
  version?: string;
  prefix?: string;
  json?: boolean;
  level?: LogLevel;
}

export async function restoreCommand(name: string | undefined, flags: RestoreFlags): Promise<ExitCode> {
  if (flags.at !== undefined && flags.version !== undefined) throw new UsageError('give --at or --version, not both');
  if (name === undefined) {
    if (flags.at === undefined || flags.to === undefined) {
      throw new UsageError('restore needs a key, or --at <time> --to DIR to restore the whole tree as it was');
    }
    if (flags.version !== undefined) throw new UsageError('--version needs a key');
  } else if (flags.prefix !== undefined) {
    throw new UsageError('--prefix goes with --at and no key (restore a tree)');
  }
  const loaded = await loadCommandConfig(flags.config);
  await checkLocalRoot(loaded.config, { writable: !flags.to });
  const ctx = await openContext({ loaded, level: flags.level });
  try {
    // `name` is a key or a local path (as status shows it): one function decides which key it is.
    const key = name === undefined ? undefined : await resolveRestoreKey(name, ctx.config, ctx.remote);
    if (key !== undefined && flags.at === undefined && flags.version === undefined) return await restoreMissing(ctx, key, flags);
    const req = { config: ctx.config, remote: ctx.remote, logger: ctx.logger };
    if (key === undefined) {
      const result = await withRestoreRun(
        req,
        async (deps) => restoreTreeAt(deps, { at: await resolveTime(deps.journal, flags.at!), prefix: flags.prefix, to: flags.to!, concurrency: ctx.config.sync.concurrency }),
        (r) => ({ outcome: r.missing.length > 0 ? 'partial' : 'ok', counts: { downloaded: r.restored, failed: r.missing.length } }),
      );
      process.stdout.write(`Restored ${result.restored} file(s) as of ${new Date(result.at).toISOString()} into ${flags.to}\n`);
      for (const m of result.missing) process.stdout.write(`missing: ${m.key} (version ${m.hash}: its bytes are gone)\n`);
      for (const u of result.unmappable) process.stdout.write(`unmappable: ${JSON.stringify(u)} (not a valid file name)\n`);
      return result.missing.length > 0 ? EXIT.partial : EXIT.ok;
    }
    const result = await withRestoreRun(req, async (deps) => {
      const choice: VersionChoice = flags.version !== undefined ? { hash: flags.version } : { at: await resolveTime(deps.journal, flags.at!) };
      return restoreKeyVersion(deps, key, choice, flags.to);
    });
    if (result.kind === 'present') process.stdout.write(`${result.to} already holds version ${result.hash}: nothing to restore\n`);
    else process.stdout.write(`Restored ${key} version ${result.hash} to ${result.to}\n`);
    return EXIT.ok;
  } finally {
    await ctx.close();
  }
}

async function restoreMissing(ctx: Awaited<ReturnType<typeof openContext>>, key: string, flags: RestoreFlags): Promise<ExitCode> {
  const result = await restoreKey({ config: ctx.config, remote: ctx.remote, logger: ctx.logger, key, to: flags.to });
  const mapped = mapKeys([key], ctx.config.bucket.prefix).get(key);
  const localPath = mapped?.kind === 'mapped' ? mapped.path : null;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...result, localPath })}\n`);
    return EXIT.ok;
  }
  const shown = localPath !== null && localPath !== key ? `${key} (local path ${localPath})` : key;
  switch (result.kind) {
    case 'downloaded':
      process.stdout.write(`Restored ${shown} to ${result.to}\n`);
      break;
    case 'uploaded':
      process.stdout.write(`Uploaded ${shown} from ${result.from}\n`);
      break;
    case 'untrashed':
      process.stdout.write(`Restored ${shown} in the bucket from ${result.from}\n`);
      break;
    case 'present':
      process.stdout.write(`${shown} exists both locally (${result.path}) and in the bucket: nothing to restore\n`);
      break;
  }
  return EXIT.ok;
}
