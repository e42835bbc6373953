import { describe, expect, it } from 'vitest';
import { needsRow } from '../../src/core/context-rows.js';
import { foldKey, nfcKey } from '../../src/core/keys.js';
import { LookedUp } from '../../src/core/looked-up.js';
import { planSync, planWithLookups, type PlanInput } from '../../src/core/plan.js';
import type { JournalEntry, LocalFile, PlanOptions, RemoteObject } from '../../src/core/types.js';

const OPTIONS: PlanOptions = { direction: 'both', deletes: 'keep', conflict: 'keep-both', now: new Date('2026-11-24T05:46:00Z') };

function row(key: string, path = key): JournalEntry {
  return { key, path, remoteHash: 'Fh', fsize: 5, putTime: 1, localSize: 5, localMtimeMs: 1000, syncedAt: 1, runId: 1 };
}
const objectOf = (e: JournalEntry): RemoteObject => ({ key: e.key, hash: e.remoteHash, fsize: e.fsize, putTime: e.putTime });
const fileOf = (e: JournalEntry): LocalFile => ({ path: e.path, size: e.localSize, mtimeMs: e.localMtimeMs });
const homeAsJournaled = (key: string) => key;

function lookedUp(names: { keys?: string[]; paths?: string[]; identities?: string[] }): LookedUp {
  const l = new LookedUp();
  for (const k of names.keys ?? []) l.key(k);
  for (const p of names.paths ?? []) l.path(p);
  for (const i of names.identities ?? []) l.identity(i);
  return l;
}

describe('needsRow', () => {
  it('takes a row whose key, or a folder of it, was looked up as a key', () => {
    expect(needsRow(row('a/b/c.txt'), lookedUp({ keys: ['a/b/c.txt'] }), homeAsJournaled, nfcKey)).toBe(true);
    expect(needsRow(row('a/b/c.txt'), lookedUp({ keys: ['a/b'] }), homeAsJournaled, nfcKey)).toBe(true);
    expect(needsRow(row('a/b/c.txt'), lookedUp({ keys: ['a'] }), homeAsJournaled, nfcKey)).toBe(true);
    // Folders are named without their slash; a sibling or a longer name is not the row's.
    expect(needsRow(row('a/b/c.txt'), lookedUp({ keys: ['a/', 'a/b/c', 'a/b/c.txt/d', 'a/b/d.txt'] }), homeAsJournaled, nfcKey)).toBe(false);
  });

  it('takes a row whose exact path was looked up, and only the exact path', () => {
    expect(needsRow(row('k', 'd/x'), lookedUp({ paths: ['d/x'] }), (k) => (k === 'k' ? 'd/x' : k), nfcKey)).toBe(true);
    expect(needsRow(row('d/x'), lookedUp({ paths: ['d', 'D/x', 'd/x/y'] }), homeAsJournaled, nfcKey)).toBe(false);
  });

  it('takes a row whose path, or a folder of it, has a looked-up identity', () => {
    const nfd = 'cafe\u0301/x.txt';
    expect(needsRow(row(nfd), lookedUp({ identities: ['caf\u00e9'] }), homeAsJournaled, nfcKey)).toBe(true);
    expect(needsRow(row('A/B.txt'), lookedUp({ identities: ['a/b.txt'] }), homeAsJournaled, foldKey)).toBe(true);
    expect(needsRow(row('A/B.txt'), lookedUp({ identities: ['a'] }), homeAsJournaled, foldKey)).toBe(true);
    // Case folds only on a case-insensitive disk; and an identity is not a key.
    expect(needsRow(row('A/B.txt'), lookedUp({ identities: ['a/b.txt'] }), homeAsJournaled, nfcKey)).toBe(false);
    expect(needsRow(row('A/B.txt'), lookedUp({ keys: ['a/b.txt'], paths: ['a/b.txt'] }), homeAsJournaled, foldKey)).toBe(false);
  });

  it('takes a row the remainder re-homes, or leaves without a home', () => {
    expect(needsRow(row('x'), new LookedUp(), () => 'x%', nfcKey)).toBe(true);
    expect(needsRow(row('x', 'x%'), new LookedUp(), () => 'x', nfcKey)).toBe(true);
    expect(needsRow(row('x'), new LookedUp(), () => ({ reason: 'too long' }), nfcKey)).toBe(true);
    expect(needsRow(row('x', 'x%'), new LookedUp(), () => 'x%', nfcKey)).toBe(false);
  });
});

/** What the plan of `remainder` looks up, checked against the settled rows it should and should not ask for. */
function asks(remainder: Partial<Omit<PlanInput, 'options' | 'prefix'>>, settled: JournalEntry[], options: Partial<PlanOptions> = {}, prefix = '') {
  const opts = { ...OPTIONS, ...options };
  const input: PlanInput = { remote: [], local: [], journal: [], ...remainder, prefix, options: opts };
  const { plan, lookedUp, homeOf } = planWithLookups(input);
  expect(plan).toEqual(planSync(input));
  const identity = opts.caseInsensitive ? foldKey : nfcKey;
  return settled.filter((e) => needsRow(e, lookedUp, homeOf, identity)).map((e) => e.key);
}

describe('the plan asks for the settled rows its rules look at', () => {
  const settledAt = (...keys: string[]) => keys.map((k) => row(k));

  it('a new key below a settled file re-homes that file (x → x%), keys below the prefix', () => {
    const settled = [row('p/x', 'x'), row('p/y', 'y'), row('p/x.txt', 'x.txt')];
    expect(asks({ remote: [{ key: 'p/x/new', hash: 'Fn', fsize: 1, putTime: 1 }] }, settled, {}, 'p/')).toEqual(['p/x']);
  });

  it('a settled file at x% needs the keys x/... that make it a folder', () => {
    const settled = [row('x', 'x%'), row('x/a'), row('x/b'), row('y/a')];
    // The remainder: x/b changed. Planned alone, x/b makes x a folder and x's row is not asked for...
    const changed = row('x/b');
    const remainder = { remote: [{ ...objectOf(changed), hash: 'Fnew' }], journal: [changed], local: [fileOf(changed)] };
    expect(asks(remainder, settled.filter((e) => e.key !== 'x/b'))).toEqual([]);
    // ...but when x is planned itself, its mapping asks whether x is a folder, which x/a and x/b answer.
    const withX = { remote: [objectOf(settled[0])], journal: [settled[0]], local: [fileOf(settled[0])] };
    expect(asks(withX, settled.slice(1))).toEqual(['x/a', 'x/b']);
  });

  it('a conflict copy asks for the settled names it would take', () => {
    const conflicted = row('d/f.txt');
    const remainder = { remote: [{ ...objectOf(conflicted), hash: 'Fthere' }], journal: [conflicted], local: [{ ...fileOf(conflicted), size: 9, hash: 'Fhere' }] };
    const settled = settledAt('d/f (conflict 2026-11-24 0546).txt', 'd/f (conflict 2026-11-24 0546).txt/z', 'd/g.txt', 'e/f (conflict 2026-11-24 0546).txt');
    expect(asks(remainder, settled)).toEqual(['d/f (conflict 2026-11-24 0546).txt', 'd/f (conflict 2026-11-24 0546).txt/z']);
  });

  it('a local file at another name of a settled key asks for that key', () => {
    expect(asks({ local: [{ path: 'x%', size: 1, mtimeMs: 1 }] }, settledAt('x', 'y'))).toEqual(['x']);
  });

  it('on a case-insensitive disk, a download asks for the settled files and folders of the same folded name', () => {
    const remote = [{ key: 'A.txt', hash: 'Fa', fsize: 1, putTime: 1 }, { key: 'b/C/d', hash: 'Fd', fsize: 1, putTime: 1 }];
    const settled = settledAt('a.txt', 'B', 'c', 'b/c', 'b/e');
    // b/e too: its folder b has the identity of a file looked up (namespaces do not tell files from folders).
    expect(asks({ remote }, settled, { caseInsensitive: true })).toEqual(['a.txt', 'B', 'b/c', 'b/e']);
    expect(asks({ remote }, settled, { caseInsensitive: false })).toEqual([]);
  });

  it("a key journaled at a settled file's path asks for that file (files are claimed by path)", () => {
    const moved = row('j', 'n');
    expect(asks({ remote: [{ ...objectOf(moved), hash: 'Fnew' }], journal: [moved] }, settledAt('n', 'm'))).toEqual(['n']);
  });
});
