import { compileExcludes } from '../core/filter.js';
import { blindSpotsOf, type LocalProblem } from '../core/local-problems.js';
import { isRemoteTrashKey } from '../core/remote-trash.js';
import type { JournalEntry, LocalFile, RemoteObject } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import { decodePathToKey } from '../core/keys.js';
import { isPlainQetag } from '../core/hash-kind.js';
import { hashableAtUpload } from '../core/hash-at-upload.js';
import { checkFile, hashFile } from '../local/hash-file.js';
import { resolveInside } from '../local/root-paths.js';
import { walkInKeyOrder } from '../local/walk-in-key-order.js';
import { compareKeys } from '../core/key-order.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { runPool } from '../core/pool.js';

export interface Gathered {
  remote: RemoteObject[];
  local: LocalFile[];
  journal: JournalEntry[];
  /** What the walk could not back up (symlinks, bad names, unreadable folders…), reported, never synced. */
  skipped: LocalProblem[];
}

/**
 * List the bucket, walk the root and load the journal, all at once, holding all three: the fallback when a side is out
 * of key order (`gatherInKeyOrder`), and the reference its tests compare with.
 */
export async function gatherState(deps: {
  remote: RemoteStore;
  journal: Journal;
  root: string;
  prefix: string;
  /** `[sync] exclude` globs. */
  exclude: string[];
}): Promise<Gathered> {
  const { remote, journal, root, prefix, exclude } = deps;
  const isExcluded = compileExcludes(exclude);
  const listRemote = async () => {
    const objects: RemoteObject[] = [];
    for await (const object of remote.list(prefix)) {
      if (!isRemoteTrashKey(object.key) && !isExcluded(object.key.slice(prefix.length))) objects.push(object);
    }
    return objects;
  };
  const skipped: LocalProblem[] = [];
  const walkAll = async () => {
    const files: LocalFile[] = [];
    for await (const batch of walkInKeyOrder(root, prefix, exclude, skipped)) for (const { file } of batch) files.push(file);
    return files;
  };
  const [remoteObjects, files, entries] = await Promise.all([listRemote(), walkAll(), journal.loadEntries()]);
  // Below a folder that could not be read, nothing is known: leave those keys alone (as gatherInKeyOrder does).
  const isBlind = blindSpotsOf(skipped);
  // In key order, as gatherInKeyOrder reads them: where rows of two keys the bucket no longer lists claim one file,
  // the planner's first-wins choice and `hashAmbiguous` (the last row at a path) follow this order.
  const rows = entries.filter((e) => !isExcluded(e.path) && !isBlind(e.key)).sort((a, b) => compareKeys(a.key, b.key));
  return {
    remote: remoteObjects.filter((o) => !isBlind(o.key)),
    local: files,
    journal: rows,
    skipped,
  };
}

const HASH_CONCURRENCY = 4;

/** What `hashAmbiguous` needs to compare files with objects whose hash is not a plain qetag. */
export interface HashContext {
  /** The planned remote objects (a file is compared with the object of its key). */
  remote: readonly RemoteObject[];
  prefix: string;
  /** The journal's check rows: the local qetag a non-qetag object's copy had when it was synced. */
  checks: Pick<Journal, 'fileCheck'>;
  /**
   * Files up to this size that the plan needs no qetag of are left unhashed: their upload reads and hashes them
   * (core/hash-at-upload.ts says which, and why that is safe).
   */
  hashAtUploadUpTo?: number;
}

/**
 * Hash only what is ambiguous (git-index / Unison fastcheck): a file whose size and mtime equal its journal row is
 * unchanged; every other file gets its qetag. Mutates `local` in place and returns the number of bytes hashed.
 *
 * With `context`, a file whose object has an etag-v2 hash is hashed over that object's parts too, and one whose object
 * has an opaque hash is compared by the listed MD5 (same pass over the bytes); the hashes found equal go to
 * `file.matches`. So does a journaled non-qetag hash whose copy had this qetag when it was synced: a touched copy,
 * or the same bytes on both sides, is recognised whatever the hash kind (see `hasContent`).
 *
 * A file that cannot be read (or vanished) is not hashed but added to `problems`: the caller leaves its key alone.
 */
export async function hashAmbiguous(
  root: string,
  local: LocalFile[],
  journal: JournalEntry[],
  context?: HashContext,
  problems: LocalProblem[] = [],
): Promise<number> {
  const byPath = new Map<string, JournalEntry>();
  for (const entry of journal) byPath.set(entry.path, entry);
  let todo = local.filter((file) => {
    const entry = byPath.get(file.path);
    return !entry || entry.localSize !== file.size || entry.localMtimeMs !== file.mtimeMs;
  });
  const atUpload =
    context?.hashAtUploadUpTo === undefined ? null : hashableAtUpload(local, journal, context.remote, context.prefix, context.hashAtUploadUpTo);
  if (atUpload && atUpload.size > 0) todo = todo.filter((file) => !atUpload.has(file.path));
  const remoteByKey = new Map<string, RemoteObject>();
  if (context) for (const object of context.remote) if (!isPlainQetag(object.hash)) remoteByKey.set(object.key, object);
  let bytes = 0;
  await runPool(todo, HASH_CONCURRENCY, async (file) => {
    try {
      const abs = resolveInside(root, file.path);
      const entry = byPath.get(file.path);
      const decoded = context && !entry ? decodePathToKey(file.path, context.prefix) : undefined;
      const key = entry?.key ?? (typeof decoded === 'string' ? decoded : undefined);
      const object = key === undefined ? undefined : remoteByKey.get(key);
      const matches: string[] = [];
      if (object && object.fsize === file.size) {
        const check = await checkFile(abs, object);
        file.hash = check.localQetag;
        // Equal size alone says nothing about the content.
        if (check.ok && check.verifiedBy !== 'size') matches.push(object.hash);
      } else {
        file.hash = await hashFile(abs);
      }
      if (context && entry && !isPlainQetag(entry.remoteHash)) {
        const journaled = await context.checks.fileCheck(entry.key, entry.remoteHash);
        if (journaled?.localQetag === file.hash && !matches.includes(entry.remoteHash)) matches.push(entry.remoteHash);
      }
      if (matches.length > 0) file.matches = matches;
      bytes += file.size;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // Only the file system's own errors are about this file (the journal's are the run's).
      if (typeof e.code !== 'string' || typeof e.syscall !== 'string') throw err;
      if (e.code === 'ENOENT') problems.push({ path: file.path, kind: 'vanished', detail: 'the file disappeared during the run' });
      else problems.push({ path: file.path, kind: 'unreadable-file', detail: `cannot read this file (${e.code ?? e.message})` });
    }
  });
  return bytes;
}

/**
 * Take the keys of files that could not be read out of all three sides: neither uploaded, nor downloaded over them,
 * nor taken as deleted. They are reported instead.
 */
export function leaveUnreadAlone(gathered: Gathered, unread: readonly LocalProblem[], prefix: string): void {
  if (unread.length === 0) return;
  const paths = new Set(unread.map((p) => p.path));
  const keys = new Set<string>();
  for (const path of paths) {
    const key = decodePathToKey(path, prefix);
    if (typeof key === 'string') keys.add(key);
  }
  gathered.local = gathered.local.filter((f) => !paths.has(f.path));
  gathered.journal = gathered.journal.filter((e) => !paths.has(e.path) && !keys.has(e.key));
  gathered.remote = gathered.remote.filter((o) => !keys.has(o.key));
}
