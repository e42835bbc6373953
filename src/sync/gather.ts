import { compileExcludes } from '../core/filter.js';
import { isRemoteTrashKey } from '../core/remote-trash.js';
import type { JournalEntry, LocalFile, RemoteObject } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import { hashFile } from '../local/hash-file.js';
import { resolveInside } from '../local/root-paths.js';
import { walkInKeyOrder } from '../local/walk-in-key-order.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { runPool } from './pool.js';

export interface Gathered {
  remote: RemoteObject[];
  local: LocalFile[];
  journal: JournalEntry[];
  /** Local things that are not regular files (symlinks…), never synced. */
  skipped: string[];
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
  const skipped: string[] = [];
  const walkAll = async () => {
    const files: LocalFile[] = [];
    for await (const batch of walkInKeyOrder(root, prefix, exclude, skipped)) for (const { file } of batch) files.push(file);
    return files;
  };
  const [remoteObjects, files, entries] = await Promise.all([listRemote(), walkAll(), journal.loadEntries()]);
  return {
    remote: remoteObjects,
    local: files,
    journal: entries.filter((e) => !isExcluded(e.path)),
    skipped,
  };
}

const HASH_CONCURRENCY = 4;

/**
 * Hash only what is ambiguous (git-index / Unison fastcheck): a file whose size and mtime equal its journal row is
 * unchanged; every other file gets its qetag. Mutates `local` in place and returns the number of bytes hashed.
 */
export async function hashAmbiguous(root: string, local: LocalFile[], journal: JournalEntry[]): Promise<number> {
  const byPath = new Map<string, JournalEntry>();
  for (const entry of journal) byPath.set(entry.path, entry);
  const todo = local.filter((file) => {
    const entry = byPath.get(file.path);
    return !entry || entry.localSize !== file.size || entry.localMtimeMs !== file.mtimeMs;
  });
  let bytes = 0;
  await runPool(todo, HASH_CONCURRENCY, async (file) => {
    file.hash = await hashFile(resolveInside(root, file.path));
    bytes += file.size;
  });
  return bytes;
}
