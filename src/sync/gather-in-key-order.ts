import { needsRow } from '../core/context-rows.js';
import { compileExcludes } from '../core/filter.js';
import { compareKeys } from '../core/key-order.js';
import { foldKey, nfcKey } from '../core/keys.js';
import { blindSpotsOf } from '../core/local-problems.js';
import { planWithLookups } from '../core/plan.js';
import { isRemoteTrashKey } from '../core/remote-trash.js';
import { decideKey, isNothingToDo, type ConflictCopyNamer } from '../core/decide-key.js';
import type { JournalEntry, LocalFile, PlanOptions, RemoteObject } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import { walkInKeyOrder, type StartedWalk, type WalkedFile } from '../local/walk-in-key-order.js';
import type { RemoteStore } from '../remote/remote-store.js';
import type { Gathered } from './gather.js';
import { march, type KeyedFile } from './march.js';

export { KeyOrderError } from './march.js';

export interface GatheredInKeyOrder extends Gathered {
  /** Keys the decision table has nothing to do for, on their own and beside the rest: left out of remote/local/journal. */
  settled: number;
  /** Totals over everything listed, walked and loaded, settled keys included. */
  remoteCount: number;
  journalCount: number;
}

/**
 * `gatherState` without holding the three sides in memory: the bucket listing (sorted by Kodo), the journal (read in
 * key order, a page at a time) and the walk (`walkInKeyOrder`) are matched by key as pages arrive (`march`), and
 * every key that settles is only counted. A no-op sync of a million keys keeps a page of each side instead of all of them.
 * Then the remainder gets its context rows (passes over the journal, only when there is a remainder and a settled key):
 * planned with all of them, the remainder is planned as with every key in view.
 *
 * Throws KeyOrderError when a side is not sorted, ContextUnsettledError when the context takes too many passes
 * (gathering only reads: nothing was acted on); the caller falls back to `gatherState`.
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
      // taken as journaled; should the other keys give it another, the context passes below plan its row again.
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

  if (out.settled > 0 && out.remote.length + out.journal.length + out.local.length > 0) {
    await addContext(out, journal, prefix, isExcluded, deps.options, isBlind);
  }
  return out;
}

export class ContextUnsettledError extends Error {
  constructor(passes: number) {
    super(`the settled rows the changed keys need were still growing after ${passes} passes over the journal`);
  }
}

/** Conflict copies are named by the planner, which sees the names in play; settling only asks "nothing to do?". */
const UNNAMED_COPY: ConflictCopyNamer = () => ({ path: '', key: '' });

/**
 * Passes over the journal until the plan of the remainder looks up no settled row it does not have (`needsRow`): each
 * pass adds the rows the last plan asked about, and the remainder is planned again with them. Planned before hashing:
 * a hash can only make a file match what it is compared with, which never makes a plan look up more names.
 *
 * A context row is re-created from the journal. Settled means the object has the journaled hash and the file the
 * journaled path, size and mtime, so the row gives both back. Only the object's putTime (as journaled) and MIME type
 * (none) may differ from the listing: a context key is in sync, and the one action it can get (its file moving to
 * `x%` beside a new folder `x/`) journals them again.
 */
async function addContext(
  out: GatheredInKeyOrder,
  journal: Journal,
  prefix: string,
  isExcluded: (relPath: string) => boolean,
  options: PlanOptions,
  isBlind: (key: string) => boolean,
) {
  const identity = options.caseInsensitive ? foldKey : nfcKey;
  const planned = new Set(out.journal.map((e) => e.key));
  for (let pass = 1; pass <= MAX_CONTEXT_PASSES; pass++) {
    const { lookedUp, homeOf } = planWithLookups({ remote: out.remote, local: out.local, journal: out.journal, prefix, options });
    const context: JournalEntry[] = [];
    for await (const page of journalRows(journal, prefix, isExcluded, () => {})) {
      for (const entry of page) {
        if (planned.has(entry.key) || isBlind(entry.key) || !needsRow(entry, lookedUp, homeOf, identity)) continue;
        context.push(entry);
      }
    }
    if (context.length === 0) return;
    for (const entry of context) planned.add(entry.key);
    out.settled -= context.length;
    // In key order, among the listing's objects as the in-memory gather has them: the planner's first-wins choices
    // follow its input order.
    out.journal = mergeInKeyOrder(out.journal, context);
    out.remote = mergeInKeyOrder(
      out.remote,
      context.map((e) => ({ key: e.key, hash: e.remoteHash, fsize: e.fsize, putTime: e.putTime })),
    );
    // The planner claims these files by their journaled path, key by key: their place in `local` decides nothing.
    for (const e of context) out.local.push({ path: e.path, size: e.localSize, mtimeMs: e.localMtimeMs });
  }
  throw new ContextUnsettledError(MAX_CONTEXT_PASSES);
}

/** The tests' states settle within 3 passes; one that needs more is planned from the in-memory gather instead. */
const MAX_CONTEXT_PASSES = 10;

/** `sorted` and `more` (each in key order) as one array in key order. */
function mergeInKeyOrder<T extends { key: string }>(sorted: T[], more: T[]): T[] {
  const merged: T[] = [];
  let i = 0;
  for (const item of more) {
    while (i < sorted.length && compareKeys(sorted[i].key, item.key) < 0) merged.push(sorted[i++]);
    merged.push(item);
  }
  while (i < sorted.length) merged.push(sorted[i++]);
  return merged;
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
