import type { Config, Credentials, LogLevel } from '../config/config.js';
import { credentialsPath, resolveCredentials } from '../config/credentials.js';
import { loadConfig, resolveConfigPath } from '../config/load-config.js';
import { createLogger } from '../log/create-logger.js';
import type { Logger } from '../log/logger.js';
import type { KodoHosts } from '../remote/kodo-account.js';
import type { QiniuStore } from '../remote/qiniu-store.js';

export interface CommandContext {
  config: Config;
  /** The bucket's hosts for this run (resolved once: sync/resolve-region.ts). */
  hosts: KodoHosts;
  credentials: Credentials;
  logger: Logger;
  remote: QiniuStore;
  close(): Promise<void>;
}

export type LoadedConfig = Awaited<ReturnType<typeof loadConfig>>;

/** `--config F` (or its default) read and validated: a bad config fails (exit 3) before anything else. */
export function loadCommandConfig(flag: string | undefined): Promise<LoadedConfig> {
  return loadConfig(resolveConfigPath(flag, process.env));
}

/** Config → credentials → logger → remote, in that order, so a bad config fails (exit 3) before anything else. */
export async function openContext(opts: {
  config?: string;
  /** The config, when the command read it already (`loadCommandConfig`). */
  loaded?: LoadedConfig;
  json?: boolean;
  quiet?: boolean;
  /** `-v`/`-q`/`--log-level`: the console's level instead of `[log] level` (the log file keeps that). */
  level?: LogLevel;
  /** Console sink for log lines instead of stderr (the progress bars print them above themselves). */
  console?: NodeJS.WritableStream;
}): Promise<CommandContext> {
  const { config, warnings } = opts.loaded ?? (await loadCommandConfig(opts.config));
  const credentials = await resolveCredentials({
    env: process.env,
    file: credentialsPath(process.env, config.credentials.profile),
    isTTY: Boolean(process.stdin.isTTY),
  });
  const logger = createLogger({
    level: config.log.level,
    consoleLevel: opts.level,
    // With --json, stdout carries only JSON; log lines still go to stderr.
    console: opts.quiet ? null : (opts.console ?? process.stderr),
    file: config.log.file,
    secrets: [credentials.secretKey],
  });
  for (const warning of warnings) logger.warn(warning);
  const { reportRetriesTo } = await import('../remote/retry.js');
  const stopReporting = reportRetriesTo((line) => logger.warn(line));
  // Imported here rather than at start-up: the SDK takes ~50 ms to load, which sync and status spend walking the
  // folder meanwhile (sync/early-start.ts).
  const { QiniuStore } = await import('../remote/qiniu-store.js');
  const { resolveHosts } = await import('../sync/resolve-region.js');
  let resolved: Awaited<ReturnType<typeof resolveHosts>>;
  try {
    resolved = await resolveHosts(config, credentials);
  } catch (err) {
    stopReporting();
    await logger.close();
    throw err;
  }
  const { hosts } = resolved;
  if (resolved.warning) logger.warn(resolved.warning);
  logger.debug(`Region ${hosts.regionId} (${hosts.chosenBy}); downloads from ${config.bucket.domain ?? hosts.origin}`);
  const remote = new QiniuStore(config.bucket, hosts, credentials, { bwlimit: config.sync.bwlimit });
  return {
    config,
    hosts,
    credentials,
    logger,
    remote,
    async close() {
      resolved.remember();
      stopReporting();
      remote.close();
      await logger.close();
    },
  };
}
