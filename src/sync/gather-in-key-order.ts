import { compileExcludes } from '../core/filter.js';
import { decodePathToKey, foldKey, keyMapper, nfcKey } from '../core/keys.js';
import { compareKeys } from '../core/key-order.js';
import { blindSpotsOf } from '../core/local-problems.js';
import { isRemoteTrashKey } from '../core/remote-trash.js';
import { ContextSelector, settles } from '../core/settle.js';
import type { JournalEntry, LocalFile, RemoteObject } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import { walkInKeyOrder, type StartedWalk, type WalkedFile } from '../local/walk-in-key-order.js';
import type { RemoteStore } from '../remote/remote-store.js';
import type { Gathered } from './gather.js';

export interface GatheredInKeyOrder extends Gathered {
  /** Keys found in sync on all three sides and left out of remote/local/journal (see core/settle.ts). */
  settled: number;
  /** Totals over everything listed, walked and loaded, settled keys included. */
  remoteCount: number;
  journalCount: number;
}

/** A side did not come in key order (a listing Kodo does not promise to sort, or a bug): merge-joining is unsafe. */
export class KeyOrderError extends Error {
  constructor(side: string, previous: string, next: string) {
    super(`the ${side} came out of key order (${JSON.stringify(next)} after ${JSON.stringify(previous)})`);
  }
}

/**
 * `gatherState` without holding the three sides in memory: the bucket listing (sorted by Kodo), the journal (read in
 * key order, a page at a time) and the walk (`walkInKeyOrder`) are merge-joined by key as pages arrive, and every key
 * that settles is only counted. A no-op sync of a million keys keeps a page of each side instead of all of them.
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
  caseInsensitive: boolean;
  /** The walk of `root`, `prefix` and `exclude`, when the caller started it already (`startWalk`). */
  walk?: StartedWalk;
  /** The listing of `prefix`, when the caller started it already (`startPrelist`). */
  pages?: AsyncIterable<RemoteObject[]>;
}): Promise<GatheredInKeyOrder> {
  const { remote, journal, root, prefix, exclude } = deps;
  const isExcluded = compileExcludes(exclude);
  const skipped = deps.walk?.skipped ?? [];
  const out: GatheredInKeyOrder = { remote: [], local: [], journal: [], skipped, settled: 0, remoteCount: 0, journalCount: 0 };
  const rows = journalRows(journal, prefix, isExcluded, () => out.journalCount++);
  const walk = walkedFiles(deps.walk?.batches ?? walkInKeyOrder(root, prefix, exclude, skipped), out.local);
  // Folders the walk could not read, known by the time a key below them is decided (the walk is buffered past it).
  const isBlind = blindSpotsOf(skipped);

  /** One key's objects, rows and files (at most one object and row; two files when both `x` and `x%` exist). */
  const decide = (remote: RemoteObject | null, key: string) => {
    if (isBlind(key)) {
      // Below a folder that could not be read: what it holds is unknown, so the key is left alone (never "deleted").
      if (rows.peekKey() === key) rows.take();
      while (walk.peekKey() === key) walk.take();
      return;
    }
    const entry = rows.peekKey() === key ? rows.take() : null;
    const file = walk.peekKey() === key ? walk.take().file : null;
    if (remote && entry && file && walk.peekKey() !== key && settles(remote, entry, file)) {
      out.settled++;
      return;
    }
    if (remote) out.remote.push(remote);
    if (entry) out.journal.push(entry);
    if (file) out.local.push(file);
    while (walk.peekKey() === key) out.local.push(walk.take().file);
  };
  /** Decide every buffered key below `bound` that no object has (synchronous: both sides are buffered past it). */
  const decideBelow = (bound: string | null) => {
    for (;;) {
      const j = rows.peekKey();
      const l = walk.peekKey();
      const key = j === null ? l : l === null ? j : compareKeys(j, l) <= 0 ? j : l;
      if (key === null || (bound !== null && compareKeys(key, bound) >= 0)) return;
      decide(null, key);
    }
  };

  try {
    let previous: string | null = null;
    for await (const page of deps.pages ?? remote.listPages(prefix)) {
      const objects = page.filter((o) => !isRemoteTrashKey(o.key) && !isExcluded(o.key.slice(prefix.length)));
      if (objects.length === 0) continue;
      const last = objects[objects.length - 1].key;
      await Promise.all([rows.bufferPast(last), walk.bufferPast(last)]);
      for (const object of objects) {
        if (previous !== null && compareKeys(previous, object.key) >= 0) throw new KeyOrderError('bucket listing', previous, object.key);
        previous = object.key;
        decideBelow(object.key);
        decide(object, object.key);
      }
      out.remoteCount += objects.length;
    }
    // No more objects: the rest of the journal and the walk, a buffer at a time. Below the lower of the two last
    // buffered keys, both sides are complete.
    for (;;) {
      await Promise.all([rows.bufferSome(), walk.bufferSome()]);
      const bound = lowerFrontier(rows.frontier(), walk.frontier());
      decideBelow(bound);
      if (bound === null) break;
      await Promise.all([rows.bufferPast(bound), walk.bufferPast(bound)]);
    }
  } finally {
    // Both are at their end unless something threw. The walk's worker is let go without waiting for it.
    void walk.close();
    await rows.close();
  }

  if (out.remote.length + out.journal.length + out.local.length > 0) {
    await addContext(out, journal, prefix, isExcluded, deps.caseInsensitive, isBlind);
  }
  return out;
}

/** The lower of two frontiers (null: that side is complete), or null when both sides are complete. */
function lowerFrontier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareKeys(a, b) <= 0 ? a : b;
}

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
  const rows = journalRows(journal, prefix, isExcluded, () => {});
  try {
    for (;;) {
      await rows.bufferSome();
      const key = rows.peekKey();
      if (key === null) break;
      const entry = rows.take();
      if (unsettled.has(key) || isBlind(key) || !selector.wants(key, entry.path)) continue;
      out.settled--;
      out.journal.push(entry);
      out.remote.push({ key, hash: entry.remoteHash, fsize: entry.fsize, putTime: entry.putTime });
      out.local.push({ path: entry.path, size: entry.localSize, mtimeMs: entry.localMtimeMs });
    }
  } finally {
    await rows.close();
  }
}

/**
 * One side in key order, buffered a batch at a time. `frontier()`: the last buffered key while more may come (every
 * key below it is buffered), null once the side is complete.
 */
class SortedCursor<T> {
  private items: T[] = [];
  private next = 0;
  private done = false;

  constructor(
    private readonly keyOf: (item: T) => string,
    /** The next batch in key order, or null at the end. */
    private readonly load: () => Promise<T[] | null>,
    /**
     * Let go of the source before its end: a worker stops; the journal's snapshot statement, which keeps its
     * connection busy while open, is reset (awaited, so the connection is free for whatever comes next).
     */
    readonly close: () => Promise<unknown>,
  ) {}

  peekKey(): string | null {
    return this.next < this.items.length ? this.keyOf(this.items[this.next]) : null;
  }

  take(): T {
    return this.items[this.next++];
  }

  /** After `bufferSome`. */
  frontier(): string | null {
    if (this.done) return null;
    return this.items.length > this.next ? this.keyOf(this.items[this.items.length - 1]) : null;
  }

  /** Load a batch when nothing is buffered. */
  async bufferSome(): Promise<void> {
    while (!this.done && this.next === this.items.length) await this.loadBatch();
  }

  /** Load until a key above `bound` is buffered or the side is complete. */
  async bufferPast(bound: string): Promise<void> {
    while (!this.done && (this.next === this.items.length || compareKeys(this.keyOf(this.items[this.items.length - 1]), bound) <= 0)) {
      await this.loadBatch();
    }
  }

  private async loadBatch(): Promise<void> {
    const batch = await this.load();
    if (batch === null) {
      this.done = true;
      return;
    }
    if (this.next > 0) {
      this.items = this.items.slice(this.next);
      this.next = 0;
    }
    for (const item of batch) this.items.push(item);
  }
}

/** The journal's rows below the prefix and not excluded, in key order. */
function journalRows(journal: Journal, prefix: string, isExcluded: (relPath: string) => boolean, onRow: () => void): SortedCursor<JournalEntry> {
  const pages = journal.entryPages()[Symbol.asyncIterator]();
  return new SortedCursor(
    (e) => e.key,
    async () => {
      const step = await pages.next();
      if (step.done) return null;
      const kept: JournalEntry[] = [];
      for (const row of step.value) {
        if (isExcluded(row.path)) continue;
        // Rows outside the prefix belong to another backup; the planner ignores them too, but they count as journaled.
        onRow();
        if (row.key.startsWith(prefix)) kept.push(row);
      }
      return kept;
    },
    async () => pages.return?.(),
  );
}

/** The walk's files that stand for a key, in key order; the others go straight to `unkeyed`. */
function walkedFiles(batches: AsyncIterator<WalkedFile[]>, unkeyed: LocalFile[]): SortedCursor<WalkedFile> {
  let previous: string | null = null;
  return new SortedCursor(
    (w) => w.key!,
    async () => {
      const step = await batches.next();
      if (step.done) return null;
      const keyed: WalkedFile[] = [];
      for (const walked of step.value) {
        const key = walked.key;
        if (key === null) {
          unkeyed.push(walked.file);
          continue;
        }
        if (previous !== null && compareKeys(previous, key) > 0) throw new KeyOrderError('local walk', previous, key);
        previous = key;
        keyed.push(walked);
      }
      return keyed;
    },
    async () => void batches.return?.(),
  );
}
