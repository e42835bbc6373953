import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Config } from './config.js';
import { parseConfig } from './parse-config.js';

/** `--config F`, else `$QJOURNAL_CONFIG`, else `./config.ini`; absolute (relative to `cwd`). */
export function resolveConfigPath(flag: string | undefined, env: Record<string, string | undefined>, cwd = process.cwd()): string {
  return path.resolve(cwd, flag || env.QJOURNAL_CONFIG || 'config.ini');
}

/**
 * Read and validate a config file. Throws ConfigError listing every problem (exit 3): a missing, unreadable or
 * invalid file. `env` is used only to expand `~` in paths.
 */
export async function loadConfig(file: string, env: Record<string, string | undefined> = process.env): Promise<{ config: Config; warnings: string[] }> {
  const fail = (message: string): never => {
    throw new ConfigError([{ file, section: '', key: '', message }]);
  };
  let text: string;
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) fail('is not a file; pass the config file with --config FILE or QJOURNAL_CONFIG');
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return fail(`config file does not exist; create one with "qjournal init --config ${file}", or point to yours with --config FILE or QJOURNAL_CONFIG`);
    }
    if (code === 'EACCES' || code === 'EPERM') return fail('cannot read the config file: permission denied');
    return fail(`cannot read the config file (${code ?? (err as Error).message})`);
  }
  const { config, warnings, errors } = parseConfig(text, file, env);
  if (!config) throw new ConfigError(errors);
  return { config, warnings };
}
