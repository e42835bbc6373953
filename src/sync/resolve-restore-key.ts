import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { mapKeys } from '../core/keys.js';
import { restoreCandidates } from '../core/restore-name.js';
import { UsageError } from '../errors.js';
import { resolveInside } from '../local/root-paths.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { withRetry } from '../remote/retry.js';

/**
 * The key a `restore` argument names: the first candidate (core/restore-name.ts) that exists in the bucket or on disk,
 * else the first candidate (restore then looks in the trash, or reports it not found).
 */
export async function resolveRestoreKey(arg: string, config: Config, remote: RemoteStore, cwd = process.cwd()): Promise<string> {
  const toPosix = (p: string) => p.split(path.sep).join('/');
  const candidates = restoreCandidates(arg, { prefix: config.bucket.prefix, root: toPosix(config.local.root), cwd: toPosix(cwd) });
  if (candidates.length === 0) {
    throw new UsageError(`${JSON.stringify(arg)} is neither a key under the prefix "${config.bucket.prefix}" nor a path inside ${config.local.root}`);
  }
  if (candidates.length === 1) return candidates[0];
  for (const key of candidates) {
    if (await withRetry(() => remote.stat(key))) return key;
    const mapped = mapKeys([key], config.bucket.prefix).get(key);
    if (mapped?.kind === 'mapped' && (await fsp.lstat(resolveInside(config.local.root, mapped.path)).catch(() => null))) return key;
  }
  return candidates[0];
}
