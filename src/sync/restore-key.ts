import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { mapKeys } from '../core/keys.js';
import { parseRemoteTrashKey, REMOTE_TRASH_PREFIX } from '../core/remote-trash.js';
import type { JournalEntry } from '../core/types.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Journal } from '../journal/journal.js';
import { fetchToFile } from './fetch-to-file.js';
import { downloadFromCdnThenOrigin } from './download-from.js';
import { resolveInside, rootPaths } from '../local/root-paths.js';
import { findInTrash } from '../local/trash.js';
import { VersionStore } from '../local/version-store.js';
import type { Logger } from '../log/logger.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { downloadCheck } from './execute-plan.js';
import { journalUploadSessions } from './journal-upload-sessions.js';
import { recordedRun, underLock } from './locked-run.js';
import { withRetry } from '../remote/retry.js';

export type RestoreResult =
  | { kind: 'downloaded'; key: string; to: string }
  | { kind: 'uploaded'; key: string; from: string }
  | { kind: 'present'; key: string; path: string }
  /** Moved back from the bucket's trash (`deletes = mirror` had moved it there). */
  | { kind: 'untrashed'; key: string; from: string };

/**
 * `qjournal restore <key>`: put a file back where it is missing. Missing locally → download (or to `to`); missing
 * remotely → upload from the local copy or, failing that, the newest copy in `.qjournal/trash/`; failing that, move
 * the newest copy in the bucket's `.qjournal-trash/` back.
 */
export async function restoreKey(req: { config: Config; remote: RemoteStore; logger: Logger; key: string; to?: string }): Promise<RestoreResult> {
  const { config, remote, logger, key } = req;
  await remote.checkAccess();
  const paths = rootPaths(config.local.root);
  const counts = { downloaded: 0, uploaded: 0, moved: 0, deleted: 0, conflicts: 0, failed: 0, bytesDown: 0, bytesUp: 0 };
  return underLock(paths, config.journal.path, ({ journal }) =>
    recordedRun(
      journal,
      { command: 'restore', direction: '-' },
      async (runId): Promise<RestoreResult> => {
        const entries = await journal.loadEntries();
        const relPath = entries.find((e) => e.key === key)?.path ?? mappedPath(key, config.bucket.prefix);
        const object = await withRetry(() => remote.stat(key));
        const localAbs = relPath ? resolveInside(paths.root, relPath) : null;
        const localStat = localAbs ? await fsp.stat(localAbs).catch(() => null) : null;
        const entry = (o: { hash: string; fsize: number; putTime: number }, st: { size: number; mtimeMs: number }, p: string): JournalEntry => ({
          key, path: p, remoteHash: o.hash, fsize: o.fsize, putTime: o.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: Date.now(), runId,
        });

        if (object && (req.to || !localStat)) {
          if (!req.to && !relPath) throw new NotFoundError(`${key} cannot be mapped to a local path; use --to PATH`);
          const to = req.to ? path.resolve(req.to) : localAbs!;
          if (req.to && (await fsp.lstat(to).catch(() => null))) throw new UsageError(`--to ${to} already exists: qjournal never overwrites it`);
          logger.info(`Getting ${key}`);
          const st = await downloadFromCdnThenOrigin(remote, key, logger, (fromOrigin, notRetried) =>
            withRetry(() => fetchToFile({ remote, paths, object, relPath: relPath ?? '', expected: null, absoluteTarget: req.to ? to : undefined, fromOrigin }), { notRetried }),
          );
          if (!req.to && relPath) await journal.recordEntry(entry(object, st, relPath), undefined, downloadCheck(object, st));
          counts.downloaded = 1;
          counts.bytesDown = object.fsize;
          await journal.finishRun(runId, 'ok', counts);
          return { kind: 'downloaded', key, to };
        }
        if (object && localStat) {
          await journal.finishRun(runId, 'ok', counts, 'nothing missing');
          return { kind: 'present', key, path: localAbs! };
        }
        const source = localStat && localAbs ? localAbs : ((relPath ? await findInTrash(paths, relPath) : null) ?? (await newestStoredVersion(journal, paths, key)));
        if (!source) {
          // deletes = mirror moved it into the bucket's trash: move it back, server-side.
          const trashed = await newestInRemoteTrash(remote, key);
          if (!trashed) throw new NotFoundError(`${key} exists neither in the bucket, nor locally, nor in either trash`);
          logger.info(`Moving ${trashed} -> ${key}`);
          const [outcome] = await remote.moveMany([{ from: trashed, to: key }]);
          if (!outcome.ok) throw outcome.error;
          counts.moved = 1;
          await journal.finishRun(runId, 'ok', counts);
          return { kind: 'untrashed', key, from: trashed };
        }
        logger.info(`Putting ${key}`);
        const before = await fsp.stat(source);
        const uploaded = await withRetry(() => remote.upload(source, key, { insertOnly: true, sessions: journalUploadSessions(journal) }));
        if (source === localAbs && relPath) await journal.recordEntry(entry(uploaded, before, relPath));
        counts.uploaded = 1;
        counts.bytesUp = before.size;
        await journal.finishRun(runId, 'ok', counts);
        return { kind: 'uploaded', key, from: source };
      },
      () => ({ outcome: 'failed', counts }),
    ),
  );
}

/** The local store's copy of the key's newest ended version, if it holds one (a sync that removed the file kept it there). */
async function newestStoredVersion(journal: Journal, paths: ReturnType<typeof rootPaths>, key: string): Promise<string | null> {
  const store = new VersionStore(paths.storeDir);
  for (const v of await journal.listVersions(key)) if (v.untilAt !== null && (await store.has(v.hash))) return store.pathOf(v.hash);
  return null;
}

/** The newest `.qjournal-trash/<stamp>/<key>` object, if any. */
async function newestInRemoteTrash(remote: RemoteStore, key: string): Promise<string | null> {
  let newest: { stamp: string; trashKey: string } | null = null;
  for await (const object of remote.list(REMOTE_TRASH_PREFIX)) {
    const parsed = parseRemoteTrashKey(object.key);
    if (parsed?.key === key && (!newest || parsed.stamp > newest.stamp)) newest = { stamp: parsed.stamp, trashKey: object.key };
  }
  return newest?.trashKey ?? null;
}

function mappedPath(key: string, prefix: string): string | null {
  if (!key.startsWith(prefix)) return null;
  const mapped = mapKeys([key], prefix).get(key);
  return mapped?.kind === 'mapped' ? mapped.path : null;
}
