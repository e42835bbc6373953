import { compileExcludes } from '../core/filter.js';
import { decodePathToKey, foldKey, keyMapper, nfcKey } from '../core/keys.js';
import { blindSpotsOf } from '../core/local-problems.js';
import { isRemoteTrashKey } from '../core/remote-trash.js';
import { decideKey, isNothingToDo, type ConflictCopyNamer } from '../core/decide-key.js';
import { ContextSelector } from '../core/settle.js';
import type { JournalEntry, LocalFile, PlanOptions, RemoteObject } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import { walkInKeyOrder, type StartedWalk, type WalkedFile } from '../local/walk-in-key-order.js';
import type { RemoteStore } from '../remote/remote-store.js';
import type { Gathered } from './gather.js';
import { march, type KeyedFile } from './march.js';

export { KeyOrderError } from './march.js';

export interface GatheredInKeyOrder extends Gathered {
  /** Keys found in sync on all three sides and left out of remote/local/journal (see core/settle.ts). */
  settled: number;
  /** Totals over everything listed, walked and loaded, settled keys included. */
  remoteCount: number;
  journalCount: number;
}

/**
 * `gatherState` without holding the three sides in memory: the bucket listing (sorted by Kodo), the journal (read in
 * key order, a page at a time) and the walk (`walkInKeyOrder`) are matched by key as pages arrive (`march`), and
 * every key that settles is only counted. A no-op sync of a million keys keeps a page of each side instead of all of them.
 * Then the remainder gets its context rows (a second pass over the journal, only when there is a remainder).
 *
 * Throws KeyOrderError when a side is not sorted (gathering only reads: nothing was acted on); the caller falls back
 * to `gatherState`.
 */
export async function gatherInKeyOrder(deps: {
  remote: RemoteStore;
  journal: Journal;
  root: string;
  prefix: string;
  /** `[sync] exclude` globs. */
  exclude: string[];
  /** The plan's options: a key the decision table has nothing to do for is only counted. */
  options: PlanOptions;
  /** The walk of `root`, `prefix` and `exclude`, when the caller started it already (`startWalk`). */
  walk?: StartedWalk;
  /** The listing of `prefix`, when the caller started it already (`startPrelist`). */
  pages?: AsyncIterable<RemoteObject[]>;
}): Promise<GatheredInKeyOrder> {
  const { remote, journal, root, prefix, exclude } = deps;
  const isExcluded = compileExcludes(exclude);
  const skipped = deps.walk?.skipped ?? [];
  const out: GatheredInKeyOrder = { remote: [], local: [], journal: [], skipped, settled: 0, remoteCount: 0, journalCount: 0 };
  // Folders the walk could not read, known by the time a key below them is matched (the walk is read past it).
  const isBlind = blindSpotsOf(skipped);
  const matches = march({
    remote: listedObjects(deps.pages ?? remote.listPages(prefix), prefix, isExcluded, (n) => (out.remoteCount += n)),
    journal: journalRows(journal, prefix, isExcluded, () => out.journalCount++),
    local: keyedFiles(deps.walk?.batches ?? walkInKeyOrder(root, prefix, exclude, skipped), out.local),
  });
  for await (const window of matches) {
    for (const { key, remote: object, entry, locals } of window) {
      // Below a folder that could not be read, what it holds is unknown: the key is left alone (never "deleted").
      if (isBlind(key)) continue;
      // The file the journal saw, at the path it saw, and nothing to do for the key on its own: settled. Its home is
      // taken as journaled; should other keys move it (`x` to `x%` beside new keys `x/...`), the context pass below
      // gives the planner its row back.
      const local = locals.length === 1 ? locals[0] : undefined;
      if (object && entry && local?.path === entry.path) {
        const alone = decideKey({ key, home: entry.path, remote: object, entry, local }, deps.options, UNNAMED_COPY);
        if (isNothingToDo(alone)) {
          out.settled++;
          continue;
        }
      }
      if (object) out.remote.push(object);
      if (entry) out.journal.push(entry);
      for (const file of locals) out.local.push(file);
    }
  }

  if (out.remote.length + out.journal.length + out.local.length > 0) {
    await addContext(out, journal, prefix, isExcluded, deps.options.caseInsensitive ?? false, isBlind);
  }
  return out;
}

/** Conflict copies are named by the planner, which sees the names in play; settling only asks "nothing to do?". */
const UNNAMED_COPY: ConflictCopyNamer = () => ({ path: '', key: '' });

/**
 * Second pass: the settled rows the remainder's decisions depend on (ContextSelector), re-created from the journal.
 * Settled means the object has the journaled hash and the file the journaled path, size and mtime, so the row gives
 * both back. Only the object's putTime (as journaled) and MIME type (none) may differ from the listing: a context key
 * is in sync, and the one action it can get (its file moving to `x%` beside a new folder `x/`) journals them again.
 */
async function addContext(
  out: GatheredInKeyOrder,
  journal: Journal,
  prefix: string,
  isExcluded: (relPath: string) => boolean,
  caseInsensitive: boolean,
  isBlind: (key: string) => boolean,
) {
  const canonical = keyMapper(prefix);
  const keys: string[] = [];
  const paths: string[] = [];
  for (const o of out.remote) keys.push(o.key);
  for (const e of out.journal) keys.push(e.key), paths.push(e.path);
  for (const f of out.local) {
    paths.push(f.path);
    const key = decodePathToKey(f.path, prefix);
    if (typeof key === 'string') keys.push(key);
  }
  for (const key of keys) {
    const home = canonical.map(key);
    if (typeof home === 'string') paths.push(home);
  }
  const selector = new ContextSelector(keys, paths, caseInsensitive ? foldKey : nfcKey);
  const unsettled = new Set(out.journal.map((e) => e.key));
  for await (const page of journalRows(journal, prefix, isExcluded, () => {})) {
    for (const entry of page) {
      const key = entry.key;
      if (unsettled.has(key) || isBlind(key) || !selector.wants(key, entry.path)) continue;
      out.settled--;
      out.journal.push(entry);
      out.remote.push({ key, hash: entry.remoteHash, fsize: entry.fsize, putTime: entry.putTime });
      out.local.push({ path: entry.path, size: entry.localSize, mtimeMs: entry.localMtimeMs });
    }
  }
}

/** The listing's objects the sync is about (not the bucket's trash, not excluded), page by page. */
async function* listedObjects(
  pages: AsyncIterable<RemoteObject[]>,
  prefix: string,
  isExcluded: (relPath: string) => boolean,
  onObjects: (n: number) => void,
): AsyncGenerator<RemoteObject[]> {
  for await (const page of pages) {
    const objects = page.filter((o) => !isRemoteTrashKey(o.key) && !isExcluded(o.key.slice(prefix.length)));
    onObjects(objects.length);
    if (objects.length > 0) yield objects;
  }
}

/** The journal's rows below the prefix and not excluded, in key order, page by page. */
async function* journalRows(journal: Journal, prefix: string, isExcluded: (relPath: string) => boolean, onRow: () => void): AsyncGenerator<JournalEntry[]> {
  for await (const page of journal.entryPages()) {
    const kept: JournalEntry[] = [];
    for (const row of page) {
      if (isExcluded(row.path)) continue;
      // Rows outside the prefix belong to another backup; the planner ignores them too, but they count as journaled.
      onRow();
      if (row.key.startsWith(prefix)) kept.push(row);
    }
    if (kept.length > 0) yield kept;
  }
}

/** The walk's files that stand for a key, in key order; the others go straight to `unkeyed`. */
async function* keyedFiles(batches: AsyncIterable<WalkedFile[]>, unkeyed: LocalFile[]): AsyncGenerator<KeyedFile[]> {
  for await (const batch of batches) {
    const keyed: KeyedFile[] = [];
    for (const walked of batch) {
      if (walked.key === null) unkeyed.push(walked.file);
      else keyed.push(walked as KeyedFile);
    }
    if (keyed.length > 0) yield keyed;
  }
}
