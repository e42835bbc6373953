import { promises as fsp } from 'node:fs';
import { remoteTrashKey } from '../core/remote-trash.js';
import type { VersionEnd, VersionOrigin } from '../core/versions.js';
import type { Journal } from '../journal/journal.js';
import { TargetChangedError } from '../local/download-target.js';
import { hashFile } from '../local/hash-file.js';
import type { VersionStore } from '../local/version-store.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { withRetry } from '../remote/retry.js';

/** What keeping a version needs: the journal (to know and record versions), the local store, the run. */
export interface KeepDeps {
  journal: Journal;
  store: VersionStore;
  remote: RemoteStore;
  runId: number;
  now: Date;
  trashStamp: string;
}

/**
 * Move the local file at `abs`, about to be replaced or removed, into the store. `knownVersion`: its bytes are the
 * key's current version in the journal (the plan checked size and mtime), so its hash is known; otherwise (a local edit
 * the journal never recorded) it is hashed and added as a version of its own that ends now with `origin`.
 */
export async function keepLocalFile(
  deps: KeepDeps,
  key: string,
  abs: string,
  opts: { knownVersion: boolean; hash?: string; origin: VersionOrigin },
): Promise<void> {
  const known = opts.knownVersion ? await deps.journal.currentVersion(key) : null;
  const hash = known?.hash ?? opts.hash ?? (await hashFile(abs));
  const st = await fsp.stat(abs);
  await deps.store.keepFile(abs, hash);
  if (!known) {
    const at = deps.now.getTime();
    await deps.journal.keepVersion({
      key,
      hash,
      fsize: st.size,
      // No upload time: the file's mtime, in the same 100 ns units.
      putTime: Math.round(st.mtimeMs * 1e4),
      sinceAt: at,
      sinceRun: deps.runId,
      untilAt: at,
      untilRun: deps.runId,
      origin: opts.origin,
      location: 'store',
      trashKey: null,
    });
  }
}

/**
 * Before an upload overwrites `key` (whose bytes are `expectHash`), copy the object server-side into the bucket's
 * trash: after the upload it is the only copy of that version. Returns how the version ends.
 */
export async function keepRemoteObject(deps: KeepDeps, key: string, expectHash: string, origin: VersionOrigin): Promise<VersionEnd> {
  const trashKey = remoteTrashKey(deps.trashStamp, key);
  const [outcome] = await deps.remote.copyMany([{ from: key, to: trashKey }]);
  if (!outcome.ok) {
    // Gone meanwhile: someone changed the key under us.
    if (outcome.error.kind === 'not-found') throw new TargetChangedError(key);
    // A copy an earlier attempt of this run made already is fine when it holds the same bytes.
    const existing = outcome.error.kind === 'exists' ? await withRetry(() => deps.remote.stat(trashKey)) : null;
    if (existing?.hash !== expectHash) throw outcome.error;
  }
  return { origin, location: 'bucket-trash', trashKey };
}
