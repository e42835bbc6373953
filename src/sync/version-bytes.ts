import { promises as fsp } from 'node:fs';
import type { VersionRecord } from '../core/versions.js';
import type { Journal } from '../journal/journal.js';
import { fetchToFile } from './fetch-to-file.js';
import { downloadFromCdnThenOrigin } from './download-from.js';
import { resolveInside, type RootPaths } from '../local/root-paths.js';
import { copyVerified, type VersionStore } from '../local/version-store.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { withRetry } from '../remote/retry.js';

export interface VersionSources {
  journal: Journal;
  store: VersionStore;
  /** null: local sources only (no credentials at hand). */
  remote: RemoteStore | null;
  paths: RootPaths;
}

export type BytesSource = 'store' | 'root' | 'bucket' | 'bucket-trash';

/**
 * Write the bytes of `version` to the new file `dest`, verified against its hash, from wherever they are (the bytes
 * are content-addressed, so any key's copy will do): the local store, a current file in the root, a current object in
 * the bucket, or the bucket's trash — local sources first (no transfer). A source that fails verification is never
 * used; the next one is tried. Returns the source used, or null when the bytes are gone everywhere.
 */
export async function fetchVersionBytes(src: VersionSources, version: Pick<VersionRecord, 'hash' | 'fsize'>, dest: string): Promise<BytesSource | null> {
  const { hash } = version;
  const attempt = async (fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch {
      await fsp.rm(dest, { force: true }).catch(() => {});
      return false;
    }
  };
  if ((await src.store.has(hash)) && (await attempt(() => src.store.copyOut(hash, dest)))) return 'store';

  const same = await src.journal.versionsWithHash(hash);
  for (const v of same.filter((x) => x.untilAt === null)) {
    const entry = await src.journal.getEntry(v.key);
    if (!entry || entry.remoteHash !== hash) continue;
    const abs = safeResolve(src.paths.root, entry.path);
    if (abs && (await attempt(() => copyVerified(abs, dest, hash, version.fsize)))) return 'root';
  }
  if (!src.remote) return null;
  const remote = src.remote;
  const fromObject = async (key: string): Promise<boolean> => {
    const object = await withRetry(() => remote.stat(key)).catch(() => null);
    if (!object || object.hash !== hash) return false;
    return attempt(() =>
      downloadFromCdnThenOrigin(remote, key, undefined, (fromOrigin, notRetried) =>
        withRetry(() => fetchToFile({ remote, paths: src.paths, object, relPath: '', expected: null, absoluteTarget: dest, fromOrigin }), { notRetried }),
      ),
    );
  };
  for (const v of same.filter((x) => x.untilAt === null)) if (await fromObject(v.key)) return 'bucket';
  for (const v of same.filter((x) => x.trashKey && x.location === 'bucket-trash')) if (await fromObject(v.trashKey!)) return 'bucket-trash';
  return null;
}

function safeResolve(root: string, rel: string): string | null {
  try {
    return resolveInside(root, rel);
  } catch {
    return null;
  }
}
