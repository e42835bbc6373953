import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/core/key-order.js';
import type { JournalEntry, LocalFile, RemoteObject } from '../../src/core/types.js';
import { KeyOrderError, march, type KeyedFile, type MatchedKey } from '../../src/sync/march.js';
import { random } from '../helpers/random.js';

const object = (key: string): RemoteObject => ({ key, hash: `F${key}`, fsize: 1, putTime: 1 });
const row = (key: string): JournalEntry => ({ key, path: key, remoteHash: `F${key}`, fsize: 1, putTime: 1, localSize: 1, localMtimeMs: 1, syncedAt: 1, runId: 1 });
const file = (key: string, path = key): KeyedFile => ({ key, file: { path, size: 1, mtimeMs: 1 } });

/** `items` in pages of the given sizes (cycled), recording how many pages were read and whether the source was let go. */
function paged<T>(items: T[], sizes: number[]) {
  const seen = { pages: 0, closed: false };
  async function* pages(): AsyncGenerator<T[]> {
    try {
      for (let i = 0, n = 0; i < items.length; n++) {
        const size = sizes[n % sizes.length];
        seen.pages++;
        yield items.slice(i, i + size);
        i += size;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { pages: pages(), seen };
}

async function all(matches: AsyncGenerator<MatchedKey[]>): Promise<MatchedKey[]> {
  const out: MatchedKey[] = [];
  for await (const window of matches) out.push(...window);
  return out;
}

/** The match everything in memory would give. */
function reference(remote: RemoteObject[], journal: JournalEntry[], local: KeyedFile[]): MatchedKey[] {
  const byKey = new Map<string, MatchedKey>();
  const at = (key: string) => byKey.get(key) ?? byKey.set(key, { key, remote: undefined, entry: undefined, locals: [] }).get(key)!;
  for (const o of remote) at(o.key).remote = o;
  for (const e of journal) at(e.key).entry = e;
  for (const f of local) at(f.key).locals.push(f.file);
  return [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key));
}

describe('march', () => {
  it('matches the three sources by key, in key order, whatever their page boundaries (200 random states)', async () => {
    const names = ['a', 'a/b', 'a%', 'b', 'x', 'x/y', 'x.txt', '\u{1F600}', '\uE000', 'z'];
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const pick = (p: number) => names.filter(() => next() < p).sort(compareKeys);
      const remote = pick(0.6).map(object);
      const journal = pick(0.6).map(row);
      // Some keys have two files (`x` and `x%`), which a page boundary may split.
      const local = pick(0.6).flatMap((k) => (next() < 0.3 ? [file(k), file(k, `${k}%`)] : [file(k)]));
      const size = () => [1 + Math.floor(next() * 3), 1 + Math.floor(next() * 3)];
      const matched = await all(march({ remote: paged(remote, size()).pages, journal: paged(journal, size()).pages, local: paged(local, size()).pages }));
      expect(matched, `seed ${seed}`).toEqual(reference(remote, journal, local));
    }
  });

  it('holds a window of each source, not the whole source', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    const sources = { remote: paged(keys.map(object), [100]), journal: paged(keys.map(row), [100]), local: paged(keys.map((k) => file(k)), [100]) };
    const matches = march({ remote: sources.remote.pages, journal: sources.journal.pages, local: sources.local.pages });
    const first = await matches.next();
    expect((first.value as MatchedKey[]).length).toBeLessThan(100);
    // The page in hand and the one read ahead.
    for (const s of Object.values(sources)) expect(s.seen.pages).toBeLessThanOrEqual(2);
    await matches.return(undefined);
    for (const s of Object.values(sources)) expect(s.seen.closed).toBe(true);
  });

  it.each([
    ['bucket listing', { remote: ['b', 'a'], journal: [], local: [] }],
    ['bucket listing', { remote: ['a', 'a'], journal: [], local: [] }],
    ['local walk', { remote: [], journal: [], local: ['b', 'a'] }],
  ])('refuses a %s out of key order: %j', async (side, keys) => {
    const matching = all(march({ remote: paged(keys.remote.map(object), [1]).pages, journal: paged(keys.journal.map(row), [1]).pages, local: paged(keys.local.map((k) => file(k)), [1]).pages }));
    await expect(matching).rejects.toThrow(KeyOrderError);
    await expect(matching).rejects.toThrow(new RegExp(`the ${side} came out of key order`));
  });

  it('takes a key repeated by the walk as one key with several files', async () => {
    const local: KeyedFile[] = [file('x'), file('x', 'x%')];
    const matched = await all(march({ remote: paged([object('x')], [1]).pages, journal: paged<JournalEntry>([], [1]).pages, local: paged(local, [1]).pages }));
    const locals: LocalFile[] = local.map((f) => f.file);
    expect(matched).toEqual([{ key: 'x', remote: object('x'), entry: undefined, locals }]);
  });
});
