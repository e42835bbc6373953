import { compareKeys } from '../core/key-order.js';
import type { JournalEntry, LocalFile, RemoteObject } from '../core/types.js';

/** One key as the three sources hold it: at most one object and one row, and every local file whose path decodes to it. */
export interface MatchedKey {
  key: string;
  remote: RemoteObject | undefined;
  entry: JournalEntry | undefined;
  /** Usually none or one; two when both `x` and `x%` exist (or names equal after decoding). */
  locals: LocalFile[];
}

/** A local file and the key its path decodes to. */
export interface KeyedFile {
  key: string;
  file: LocalFile;
}

/** A source did not come in key order (a listing Kodo does not promise to sort, or a bug): matching by key is unsafe. */
export class KeyOrderError extends Error {
  constructor(side: string, previous: string, next: string) {
    super(`the ${side} came out of key order (${JSON.stringify(next)} after ${JSON.stringify(previous)})`);
  }
}

/** How a source promises to be sorted: `unique` keys strictly increase, `repeating` keys never decrease. */
type Order = 'unique' | 'repeating';

/**
 * The match of the bucket listing, the journal and the walk by key (as rclone's fs/march matches two listings): each
 * source is a stream of pages in key order, and the matched keys come out in key order, a window at a time (every
 * key below the lowest of the sources' last read keys is complete on all three). Only a window of each source is
 * held, so a million keys cost a page of each, not a million objects.
 *
 * Throws KeyOrderError when the listing or the walk is out of key order (the journal is sorted by SQLite). Closing
 * the returned generator (`return()`, or leaving a `for await`) lets all three sources go.
 */
export async function* march(sources: {
  remote: AsyncIterable<RemoteObject[]>;
  journal: AsyncIterable<JournalEntry[]>;
  local: AsyncIterable<KeyedFile[]>;
}): AsyncGenerator<MatchedKey[]> {
  const remote = new SortedPages(sources.remote, (o) => o.key, 'bucket listing', 'unique');
  const journal = new SortedPages(sources.journal, (e) => e.key, 'journal', null);
  const local = new SortedPages(sources.local, (f) => f.key, 'local walk', 'repeating');
  const all = [remote, journal, local];
  try {
    for (;;) {
      await Promise.all(all.map((s) => s.fill()));
      // Below the lowest last read key of the sources still going, every key is complete on all three.
      let bound: string | null = null;
      for (const s of all) {
        const last = s.lastKey();
        if (last !== null && (bound === null || compareKeys(last, bound) < 0)) bound = last;
      }
      const window: MatchedKey[] = [];
      for (;;) {
        const key = lowest(remote.peekKey(), journal.peekKey(), local.peekKey());
        // Never above the bound (the source that stops there still holds it), so reaching it is the window's end.
        if (key === null || key === bound) break;
        const match: MatchedKey = { key, remote: remote.takeIf(key), entry: journal.takeIf(key), locals: [] };
        for (let file = local.takeIf(key); file !== undefined; file = local.takeIf(key)) match.locals.push(file.file);
        window.push(match);
      }
      if (window.length > 0) yield window;
      else if (bound === null) return;
      // Keys equal to the bound may go on in the next page of the sources that stop there.
      else await Promise.all(all.map((s) => (s.lastKey() === bound ? s.readPage() : undefined)));
    }
  } finally {
    // The journal's snapshot statement keeps its connection busy while open: awaited. The walk's worker is let go.
    void local.close();
    void remote.close();
    await journal.close();
  }
}

/** The lowest of three keys (null: that source holds none now). Mostly all three are the same key. */
function lowest(a: string | null, b: string | null, c: string | null): string | null {
  if (a === b && b === c) return a;
  let key = a;
  if (b !== null && (key === null || compareKeys(b, key) < 0)) key = b;
  if (c !== null && (key === null || compareKeys(c, key) < 0)) key = c;
  return key;
}

/**
 * One source in key order, a page at a time, with one page read ahead: while the march works on what is buffered,
 * the next page is already on its way.
 */
class SortedPages<T> {
  private items: T[] = [];
  private next = 0;
  private done = false;
  private previous: string | null = null;
  private readonly pages: AsyncIterator<T[]>;
  private ahead: Promise<IteratorResult<T[]>> | null = null;

  constructor(
    source: AsyncIterable<T[]>,
    private readonly keyOf: (item: T) => string,
    private readonly side: string,
    /** null: trusted, not checked. */
    private readonly order: Order | null,
  ) {
    this.pages = source[Symbol.asyncIterator]();
  }

  peekKey(): string | null {
    return this.next < this.items.length ? this.keyOf(this.items[this.next]) : null;
  }

  takeIf(key: string): T | undefined {
    if (this.next < this.items.length && this.keyOf(this.items[this.next]) === key) return this.items[this.next++];
    return undefined;
  }

  /** The last key read while more may come; null once the source is complete (or before anything is buffered). */
  lastKey(): string | null {
    if (this.done || this.next === this.items.length) return null;
    return this.keyOf(this.items[this.items.length - 1]);
  }

  /** Read pages until something is buffered or the source is complete. */
  async fill(): Promise<void> {
    while (!this.done && this.next === this.items.length) await this.readPage();
  }

  async readPage(): Promise<void> {
    const step = await (this.ahead ?? this.pages.next());
    this.ahead = null;
    if (step.done) {
      this.done = true;
      return;
    }
    this.ahead = this.pages.next();
    // Read ahead, it may fail after the march stopped for another reason: that failure is nobody's to report.
    this.ahead.catch(() => {});
    if (this.next > 0) {
      this.items = this.items.slice(this.next);
      this.next = 0;
    }
    for (const item of step.value) {
      const key = this.keyOf(item);
      if (this.order !== null && this.previous !== null) {
        const c = compareKeys(this.previous, key);
        if (c > 0 || (c === 0 && this.order === 'unique')) throw new KeyOrderError(this.side, this.previous, key);
      }
      this.previous = key;
      this.items.push(item);
    }
  }

  /** Let go of the source before its end. */
  async close(): Promise<void> {
    this.done = true;
    if (this.ahead) await this.ahead.catch(() => {});
    await this.pages.return?.();
  }
}
