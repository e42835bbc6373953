import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { mapKeys } from '../core/keys.js';
import { isCurrentAt, type VersionRecord } from '../core/versions.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Config } from '../config/config.js';
import type { Journal, RunCounts, RunOutcome } from '../journal/journal.js';
import { recordedRun, underLock, ZERO_COUNTS } from './locked-run.js';
import { ensureParentInside } from '../local/download-target.js';
import { hashFile } from '../local/hash-file.js';
import { resolveInside, rootPaths, type RootPaths } from '../local/root-paths.js';
import { VersionStore } from '../local/version-store.js';
import { makeFoldersDurably, syncFolder } from '../local/sync-folder.js';
import type { Logger } from '../log/logger.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { runPool } from '../core/pool.js';
import { fetchVersionBytes, type BytesSource } from './version-bytes.js';

/** What restoring versions needs. The caller holds the journal's lock. */
export interface RestoreVersionDeps {
  journal: Journal;
  store: VersionStore;
  remote: RemoteStore | null;
  paths: RootPaths;
  /** The bucket prefix: keys map to paths below it, as in the backup root. */
  prefix: string;
  logger?: Logger;
  /** The run this restore is recorded as (versions it ends carry it). */
  runId: number;
}

/** Which version: the one current at a time (Unix ms), or the one with a hash. */
export type VersionChoice = { at: number } | { hash: string };

/** The version of `key` chosen by time or hash; NotFoundError when there is none. */
export async function findVersion(journal: Journal, key: string, choice: VersionChoice): Promise<VersionRecord> {
  const versions = await journal.listVersions(key);
  const found = 'hash' in choice ? versions.find((v) => v.hash === choice.hash) : versions.find((v) => isCurrentAt(v, choice.at));
  if (!found) {
    const what = 'hash' in choice ? `version ${choice.hash}` : `version current at ${new Date(choice.at).toISOString()}`;
    throw new NotFoundError(`${key} has no ${what} (see qjournal versions ${JSON.stringify(key)})`);
  }
  return found;
}

export type RestoreVersionResult =
  | { kind: 'restored'; key: string; hash: string; to: string; source: BytesSource }
  /** The file in place already holds these bytes. */
  | { kind: 'present'; key: string; hash: string; to: string };

/**
 * `restore <key> --at T | --version H [--to PATH]`: that version's bytes, verified, at PATH (a new file) or in place.
 * In place, the file it replaces becomes a version itself (kept in the store) unless it holds the same bytes.
 * The journal row is left as it was: the next sync sees a local change and sends it to the bucket (keeping the
 * object it replaces).
 */
export async function restoreKeyVersion(deps: RestoreVersionDeps, key: string, choice: VersionChoice, to?: string): Promise<RestoreVersionResult> {
  const version = await findVersion(deps.journal, key, choice);
  if (to !== undefined) {
    const dest = path.resolve(to);
    if (await fsp.lstat(dest).catch(() => null)) throw new UsageError(`--to ${dest} already exists: qjournal never overwrites it`);
    await makeFoldersDurably(path.dirname(dest));
    const source = await fetchVersionBytes(deps, version, dest);
    if (!source) throw new NotFoundError(`the bytes of ${key} version ${version.hash} are gone (pruned, or lost before they were kept)`);
    return { kind: 'restored', key, hash: version.hash, to: dest, source };
  }

  const entry = await deps.journal.getEntry(key);
  const rel = entry?.path ?? mapKeys([key], deps.prefix).get(key);
  const relPath = typeof rel === 'string' ? rel : rel?.kind === 'mapped' ? rel.path : null;
  if (relPath === null) throw new NotFoundError(`${key} cannot be mapped to a local path; use --to PATH`);
  const target = resolveInside(deps.paths.root, relPath);
  const existing = await fsp.lstat(target).catch(() => null);
  if (existing && !existing.isFile()) throw new UsageError(`${target} is not a regular file: not replaced`);
  const existingHash = existing ? await hashFile(target) : null;
  if (existingHash === version.hash) return { kind: 'present', key, hash: version.hash, to: target };

  await fsp.mkdir(deps.paths.tmpDir, { recursive: true });
  const tmp = path.join(deps.paths.tmpDir, `restore-${createHash('sha1').update(key).digest('hex').slice(0, 16)}-${process.pid}`);
  await fsp.rm(tmp, { force: true });
  const source = await fetchVersionBytes(deps, version, tmp);
  if (!source) throw new NotFoundError(`the bytes of ${key} version ${version.hash} are gone (pruned, or lost before they were kept)`);
  try {
    if (existing && existingHash) {
      const st = await fsp.stat(target);
      // Its bytes are known (the current version) or not (a local edit): either way they are kept, never lost.
      const current = await deps.journal.currentVersion(key);
      await deps.store.keepFile(target, existingHash);
      if (current?.hash !== existingHash) {
        const at = Date.now();
        await deps.journal.keepVersion({
          key,
          hash: existingHash,
          fsize: st.size,
          putTime: Math.round(st.mtimeMs * 1e4),
          sinceAt: at,
          sinceRun: deps.runId,
          untilAt: at,
          untilRun: deps.runId,
          origin: 'restore',
          location: 'store',
          trashKey: null,
        });
      }
    } else {
      await ensureParentInside(deps.paths.root, target);
    }
    await fsp.rename(tmp, target);
    await syncFolder(path.dirname(target));
  } finally {
    await fsp.rm(tmp, { force: true });
  }
  deps.logger?.info(`Restored ${key} version ${version.hash} (from the ${source})`);
  return { kind: 'restored', key, hash: version.hash, to: target, source };
}

/** Progress of a tree restore, for UI adapters. */
export type RestoreTreeEvent =
  | { type: 'start'; files: number; bytes: number }
  | { type: 'file'; key: string; path: string; bytes: number; ok: boolean; source: BytesSource | null };

export interface RestoreTreeResult {
  /** The instant restored (Unix ms). */
  at: number;
  restored: number;
  bytes: number;
  /** Keys whose bytes are gone everywhere (or failed verification everywhere): the tree is incomplete (exit 5). */
  missing: { key: string; hash: string }[];
  /** Keys that cannot be file names (reported, as sync does). */
  unmappable: string[];
}

/**
 * `restore --at T [--prefix P] --to DIR`: exactly the keys that existed at T (under P), each with the bytes it had
 * then, verified, laid out in DIR as in the backup root. DIR must be new or empty. Files whose bytes are gone are
 * listed in the result, never written half.
 */
export async function restoreTreeAt(
  deps: RestoreVersionDeps,
  opts: { at: number; prefix?: string; to: string; concurrency?: number; onEvent?: (event: RestoreTreeEvent) => void },
): Promise<RestoreTreeResult> {
  const dir = path.resolve(opts.to);
  const entries = await fsp.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  if (entries && entries.length > 0) throw new UsageError(`--to ${dir} is not empty: a tree is restored only into a new or empty folder`);
  // --prefix names keys as `versions` shows them: with the bucket prefix, or relative to it.
  const keyPrefix = opts.prefix === undefined ? deps.prefix : opts.prefix.startsWith(deps.prefix) ? opts.prefix : deps.prefix + opts.prefix;
  const versions = await deps.journal.versionsAt(opts.at, keyPrefix);
  await makeFoldersDurably(dir);
  const mapped = mapKeys(
    versions.map((v) => v.key),
    deps.prefix,
  );
  const result: RestoreTreeResult = { at: opts.at, restored: 0, bytes: 0, missing: [], unmappable: [] };
  const jobs: { version: VersionRecord; rel: string }[] = [];
  for (const version of versions) {
    const m = mapped.get(version.key);
    if (m?.kind === 'mapped') jobs.push({ version, rel: m.path });
    else result.unmappable.push(version.key);
  }
  opts.onEvent?.({ type: 'start', files: jobs.length, bytes: jobs.reduce((n, j) => n + j.version.fsize, 0) });
  await runPool(jobs, opts.concurrency ?? 4, async ({ version, rel }) => {
    const dest = resolveInside(dir, rel);
    await makeFoldersDurably(path.dirname(dest));
    const source = await fetchVersionBytes(deps, version, dest);
    if (source) {
      result.restored++;
      result.bytes += version.fsize;
    } else {
      result.missing.push({ key: version.key, hash: version.hash });
      deps.logger?.error(`Cannot restore ${version.key}: the bytes of version ${version.hash} are gone`);
    }
    opts.onEvent?.({ type: 'file', key: version.key, path: rel, bytes: version.fsize, ok: source !== null, source });
  });
  result.missing.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return result;
}

/**
 * Run `fn` as one `restore` run: the journal's lock held (a sync cannot prune or replace meanwhile), the journal open,
 * a run recorded with its outcome. For the CLI and the dashboard.
 */
export async function withRestoreRun<T>(
  req: { config: Config; remote: RemoteStore | null; logger?: Logger },
  fn: (deps: RestoreVersionDeps) => Promise<T>,
  outcomeOf: (result: T) => { outcome: RunOutcome; counts?: Partial<RunCounts>; message?: string } = () => ({ outcome: 'ok' }),
): Promise<T> {
  const paths = rootPaths(req.config.local.root);
  return underLock(paths, req.config.journal.path, ({ journal }) =>
    recordedRun(journal, { command: 'restore', direction: '-' }, async (runId) => {
      const deps: RestoreVersionDeps = {
        journal,
        store: new VersionStore(paths.storeDir),
        remote: req.remote,
        paths,
        prefix: req.config.bucket.prefix,
        logger: req.logger,
        runId,
      };
      const result = await fn(deps);
      const { outcome, counts, message } = outcomeOf(result);
      await journal.finishRun(runId, outcome, { ...ZERO_COUNTS, ...counts }, message);
      return result;
    }),
  );
}
