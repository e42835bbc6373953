import type { Command } from 'commander';
import type { LogLevel } from '../config/config.js';
import { LOG_LEVELS } from '../config/parse-config.js';
import { UsageError } from '../errors.js';

/**
 * Options every command understands, before or after the command name (`qjournal -v sync` = `qjournal sync -v`),
 * as rclone and restic do.
 */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  logLevel?: string;
}

/** The command's own flags merged with the global ones, and the console log level they ask for (undefined = config's). */
export function commandFlags(cmd: Command): GlobalOptions & { level?: LogLevel } {
  const flags = cmd.optsWithGlobals<GlobalOptions>();
  return { ...flags, level: logLevelOf(flags) };
}

/** `-v` = debug, `-q` = errors only (and no progress bars), `--log-level L`; at most one of them. */
export function logLevelOf(flags: GlobalOptions): LogLevel | undefined {
  const given = [flags.verbose && '-v', flags.quiet && '-q', flags.logLevel !== undefined && '--log-level'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} contradict each other: give one of them`);
  if (flags.verbose) return 'debug';
  if (flags.quiet) return 'error';
  if (flags.logLevel === undefined) return undefined;
  const level = flags.logLevel.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(flags.logLevel)})`);
}
