import Database from 'better-sqlite3';
import { mkdtempSync, promises as fsp, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapKeys } from '../../src/core/keys.js';
import { conflictSegment, conflictStamp, planSync } from '../../src/core/plan.js';
import type { Action, JournalEntry, Plan, PlanOptions } from '../../src/core/types.js';
import { openJournal } from '../../src/journal/open-journal.js';
import type { QiniuStore } from '../../src/remote/qiniu-store.js';
import { gatherState, hashAmbiguous } from '../../src/sync/gather.js';
import { ContextUnsettledError, gatherInKeyOrder, KeyOrderError } from '../../src/sync/gather-in-key-order.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Logger } from '../../src/log/logger.js';
import { runSync } from '../../src/sync/run-sync.js';
import { random } from '../helpers/random.js';
import { makeWorkspace } from '../helpers/workspace.js';
import { useEmulatorStore } from '../helpers/store.js';

// The streaming gather (list ∥ journal ∥ walk merged by key, settled keys only counted) must lead to exactly the plan
// the in-memory gather leads to. Random three-way states on the real emulator, a real folder and a real journal.

const { emu, store } = useEmulatorStore();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'qj-gather-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


// Names that stress ordering (surrogates vs U+E000, `x` vs `x/` vs `x.txt`), escaping, Unicode forms and case.
const SEGMENTS = ['a', 'A', 'b', 'x', 'x.txt', 'x y', 'caf\u00e9', 'cafe\u0301', '50%', 'r%2E', '..', '', '.qjournal', '\u{1F600}', '\uE000', 'n.tmp'];
const PREFIXES = ['', 'p/'];
/** The plan options of the scenarios that pick none (what is settled does not depend on them). */
const OPTIONS: PlanOptions = { direction: 'both', deletes: 'keep', conflict: 'keep-both', now: new Date(0) };

function randomKeys(next: () => number, prefix: string): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const keys = new Set<string>();
  const count = 5 + Math.floor(next() * 30);
  for (let i = 0; i < count; i++) {
    const depth = 1 + Math.floor(next() * 3);
    const segments = Array.from({ length: depth }, () => pick(SEGMENTS));
    keys.add(prefix + segments.join('/'));
  }
  if (prefix !== '' && next() < 0.5) keys.add(`other/${pick(SEGMENTS)}`);
  // Ordinary names beside the odd ones: most of a real bucket is in sync, and its files are what context is made of.
  const plain = Math.floor(next() * 40);
  for (let i = 0; i < plain; i++) {
    const folder = next() < 0.5 ? `q${i % 4}/` : next() < 0.5 ? '' : `${pick(SEGMENTS)}/`;
    keys.add(`${prefix}${folder}f${i}.txt`);
  }
  return [...keys];
}

type Side = 'remote' | 'journal' | 'local';
const STATES: Side[][] = [['remote', 'journal', 'local'], ['remote', 'journal', 'local'], ['remote', 'journal', 'local'], ['remote'], ['local'], ['remote', 'local'], ['remote', 'journal'], ['journal', 'local'], ['journal']];

interface Scenario {
  prefix: string;
  options: PlanOptions;
  exclude: string[];
}

/** Build one random state on the emulator, in `root` and in the journal at `dbPath`. */
async function build(seed: number, root: string, dbPath: string): Promise<Scenario> {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const prefix = pick(PREFIXES);
  const keys = randomKeys(next, prefix);
  const mapped = mapKeys(keys, prefix);
  emu.reset();
  await fsp.mkdir(root, { recursive: true });
  const journal = await openJournal(dbPath);
  const runId = await journal.startRun({ command: 'test', direction: 'both' });
  const rows: JournalEntry[] = [];
  const remoteContent: Record<string, string> = {};
  const plans: { key: string; path: string | null; sides: Side[]; remote: string; local: string; journalSame: boolean; touched: boolean }[] = [];
  for (const key of keys) {
    const m = mapped.get(key)!;
    const path = m.kind === 'mapped' ? m.path : null;
    const sides = /\/?f\d+\.txt$/.test(key) && next() < 0.8 ? STATES[0] : pick(STATES);
    const base = `v${Math.floor(next() * 3)}`;
    const remote = next() < 0.8 ? base : `${base}-remote`;
    const local = next() < 0.8 ? base : `${base}-local`;
    plans.push({ key, path, sides, remote, local, journalSame: next() < 0.8, touched: next() < 0.15 });
    if (sides.includes('remote')) remoteContent[key] = remote;
  }
  // A rename on either side: same content under a new name.
  if (next() < 0.5) remoteContent[`${prefix}renamed/${pick(SEGMENTS) || 'e'}`] = 'v1';
  emu.seed(remoteContent);
  for (const p of plans) {
    if (p.path === null || !p.sides.includes('local')) continue;
    const abs = path.join(root, p.path);
    try {
      await fsp.mkdir(path.dirname(abs), { recursive: true });
      await fsp.writeFile(abs, p.local, { flag: 'wx' });
    } catch {
      // A folder and a file of the same name (or a name the disk cannot hold): this key has no local file.
    }
  }
  if (next() < 0.3) await fsp.writeFile(path.join(root, 'r%2E'), 'not canonical').catch(() => {});
  if (next() < 0.3) await fsp.symlink('/etc/hostname', path.join(root, 'link')).catch(() => {});
  const listed = emu.objects();
  for (const p of plans) {
    if (p.path === null || !p.sides.includes('journal')) continue;
    const object = listed.get(p.key);
    let st: { size: number; mtimeMs: number } | null = null;
    try {
      st = statSync(path.join(root, p.path));
    } catch {
      st = null;
    }
    const hash = object && p.journalSame ? object.hash : 'FjournaledButDifferent000000000';
    rows.push({
      key: p.key,
      path: p.path,
      remoteHash: hash,
      fsize: object?.fsize ?? 2,
      putTime: object?.putTime ?? 1,
      localSize: st?.size ?? 2,
      // touched: the file's mtime moved since (content may or may not have changed).
      localMtimeMs: st && p.journalSame && !p.touched ? st.mtimeMs : 5,
      syncedAt: 1,
      runId,
    });
  }
  await journal.recordEntries(rows);
  // Half the states are read from the journal's files snapshot (what a sync leaves behind), half from its table.
  if (seed % 2 === 0) await journal.refreshSnapshot();
  await journal.close();
  return {
    prefix,
    exclude: next() < 0.3 ? ['*.tmp'] : [],
    options: {
      direction: pick(['both', 'down', 'up'] as const),
      deletes: pick(['keep', 'mirror'] as const),
      conflict: pick(['keep-both', 'remote', 'local', 'report'] as const),
      now: new Date('2026-12-01T12:00:00Z'),
      caseInsensitive: next() < 0.3,
    },
  };
}

const NOW = new Date('2026-12-01T12:00:00Z');

/**
 * A backed-up state (every key in sync, at the paths its keys had then), then changes aimed at the rules that look at
 * other keys, mostly on a case-insensitive disk: new keys below a settled file (`x` → `x%`) and changes to files at
 * `x%`, conflicts beside settled files named as their copies would be, local files at another name of a settled key,
 * new keys of a settled key's name in another case (or below it), renames by hash on either side, and journal rows
 * left at a path another key's file holds.
 */
async function buildAimed(seed: number, root: string, dbPath: string): Promise<Scenario> {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const prefix = pick(PREFIXES);
  const before = new Set(randomKeys(next, prefix));
  for (const key of [...before]) if (next() < 0.15) before.add(`${key}/${pick(SEGMENTS) || 'b'}`);
  const stamp = conflictStamp(NOW);
  const conflicted = [...before].filter(() => next() < 0.1);
  for (const key of conflicted) {
    const rest = key.slice(prefix.length);
    const dir = prefix + rest.slice(0, rest.lastIndexOf('/') + 1);
    const base = rest.slice(rest.lastIndexOf('/') + 1);
    // Now and then in another case: the same file only on a case-insensitive disk.
    const cased = (segment: string) => (next() < 0.3 ? segment.toUpperCase() : segment);
    before.add(dir + cased(conflictSegment(base, stamp, 1, dir === prefix)));
    if (next() < 0.5) before.add(dir + cased(conflictSegment(base, stamp, 2, dir === prefix)));
  }
  const mapped = mapKeys(before, prefix);
  emu.reset();
  await fsp.mkdir(root, { recursive: true });
  const content: Record<string, string> = {};
  for (const key of before) content[key] = `v${Math.floor(next() * 4)}`;
  emu.seed(content);
  const onDisk = new Map<string, string>();
  for (const key of before) {
    const m = mapped.get(key)!;
    if (m.kind !== 'mapped') continue;
    const abs = path.join(root, m.path);
    try {
      await fsp.mkdir(path.dirname(abs), { recursive: true });
      await fsp.writeFile(abs, content[key], { flag: 'wx' });
      onDisk.set(key, m.path);
    } catch {
      // A folder and a file of the same name (or a name the disk cannot hold): this key has no local file.
    }
  }
  const journal = await openJournal(dbPath);
  const runId = await journal.startRun({ command: 'test', direction: 'both' });
  const listed = emu.objects();
  const rows: JournalEntry[] = [];
  const owners = [...onDisk];
  // Now and then a row is left at another key's path (with that file's size and mtime): two keys, one file.
  for (const [key, p] of onDisk) {
    const object = listed.get(key)!;
    const [, at] = next() < 0.05 ? pick(owners) : [key, p];
    const st = statSync(path.join(root, at));
    rows.push({ key, path: at, remoteHash: object.hash, fsize: object.fsize, putTime: object.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: 1, runId });
  }
  await journal.recordEntries(rows);
  if (seed % 2 === 0) await journal.refreshSnapshot();
  await journal.close();

  const write = async (p: string, body: string) => {
    const abs = path.join(root, p);
    await fsp.mkdir(path.dirname(abs), { recursive: true }).catch(() => {});
    await fsp.writeFile(abs, body).catch(() => {});
  };
  const files = [...onDisk];
  for (const key of conflicted) {
    const p = onDisk.get(key);
    if (p === undefined) continue;
    emu.seed({ [key]: `${content[key]}-there` });
    await write(p, `${content[key]}-here!`);
  }
  for (const [key, p] of files) {
    const r = next();
    const upper = key.slice(0, prefix.length) + key.slice(prefix.length).toUpperCase();
    if (r < 0.1) emu.seed({ [`${key}/${pick(SEGMENTS) || 'n'}`]: 'new below' });
    else if (r < 0.17) await write(`${p}%`, 'another name');
    else if (r < 0.24 && upper !== key) emu.seed({ [upper]: 'other case' });
    else if (r < 0.28 && upper !== key) emu.seed({ [`${upper}/z`]: 'below the other case' });
    else if (r < 0.32) {
      await fsp.rm(path.join(root, p), { force: true });
      await write(`moved/${p}`, content[key]);
    } else if (r < 0.36) {
      emu.renameObject(key, `${prefix}moved/${key.slice(prefix.length)}`);
    } else if (r < 0.4) await write(p, `${content[key]}+edited`);
    else if (r < 0.43) emu.deleteObject(key);
    else if (r < 0.47) await fsp.rm(path.join(root, p), { force: true });
  }
  return {
    prefix,
    exclude: next() < 0.2 ? ['*.tmp'] : [],
    options: {
      direction: pick(['both', 'both', 'down', 'up'] as const),
      deletes: pick(['keep', 'mirror'] as const),
      conflict: pick(['keep-both', 'keep-both', 'remote', 'local', 'report'] as const),
      now: NOW,
      caseInsensitive: next() < 0.7,
    },
  };
}

/** What a plan does: every item except the in-sync ones without an action, which are only counted. */
function essence(plan: Plan) {
  const acted = plan.items.filter((i) => !(i.state === 'in-sync' && i.action === null)).map((i) => ({ ...i, action: i.action && comparable(i.action) }));
  const quiet = plan.items.length - acted.length + (plan.settled ?? 0);
  return { acted, quiet };
}

/** A context row's object is re-created from the journal: it carries the journaled putTime and no MIME type. */
function comparable(action: Action): Action {
  if (!('remote' in action)) return action;
  const { key, hash, fsize } = action.remote;
  return { ...action, remote: { key, hash, fsize, putTime: 0 } };
}

async function planBoth(seed: number, builder = build) {
  const root = path.join(dir, `${builder.name}-${seed}`, 'root');
  const dbPath = path.join(dir, `${builder.name}-${seed}`, 'journal.db');
  const scenario = await builder(seed, root, dbPath);
  const journal = await openJournal(dbPath, { readonly: true });
  try {
    const deps = { remote: store, journal, root, prefix: scenario.prefix, exclude: scenario.exclude };
    const all = await gatherState(deps);
    await hashAmbiguous(root, all.local, all.journal);
    const inMemory = planSync({ ...all, prefix: scenario.prefix, options: scenario.options });
    const streamed = await gatherInKeyOrder({ ...deps, options: scenario.options });
    await hashAmbiguous(root, streamed.local, streamed.journal);
    const planned = planSync({ ...streamed, prefix: scenario.prefix, options: scenario.options });
    expect(streamed.remoteCount).toBe(all.remote.length);
    expect(streamed.journalCount).toBe(all.journal.length);
    expect(streamed.skipped.sort()).toEqual(all.skipped.sort());
    return { inMemory, streamed: { ...planned, settled: streamed.settled }, settled: streamed.settled };
  } finally {
    await journal.close();
  }
}

/** Seeds 1..`seeds` of `build` plan the same both ways, settling and acting on more than `least` keys in all. */
async function expectSamePlans(seeds: number, build: Parameters<typeof planBoth>[1], least: { settled: number; acted: number }) {
  let settledTotal = 0;
  let actedTotal = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { inMemory, streamed, settled } = await planBoth(seed, build);
    expect(essence(streamed), `seed ${seed}`).toEqual(essence(inMemory));
    settledTotal += settled;
    actedTotal += essence(inMemory).acted.length;
  }
  expect(settledTotal).toBeGreaterThan(least.settled);
  expect(actedTotal).toBeGreaterThan(least.acted);
}

describe('gatherInKeyOrder', () => {
  it('plans exactly what the in-memory gather plans, over 100 random three-way states', async () => {
    // The states must exercise both paths: keys settled while streaming, and keys planned.
    await expectSamePlans(100, undefined, { settled: 80, acted: 1500 });
  }, 120_000);

  it('plans exactly what the in-memory gather plans, over 150 backed-up states changed where keys meet', async () => {
    await expectSamePlans(150, buildAimed, { settled: 1200, acted: 1000 });
  }, 180_000);

  it('settles every key of a backed-up tree and plans none (a no-op holds nothing but counts)', async () => {
    const root = path.join(dir, 'noop', 'root');
    const dbPath = path.join(dir, 'noop', 'journal.db');
    emu.reset();
    const content: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) content[`d${i % 7}/f${i}.txt`] = `c${i}`;
    emu.seed(content);
    const journal = await openJournal(dbPath);
    const runId = await journal.startRun({ command: 'test', direction: 'down' });
    const rows: JournalEntry[] = [];
    for (const [key, object] of emu.objects()) {
      const abs = path.join(root, key);
      await fsp.mkdir(path.dirname(abs), { recursive: true });
      await fsp.writeFile(abs, content[key]);
      const st = statSync(abs);
      rows.push({ key, path: key, remoteHash: object.hash, fsize: object.fsize, putTime: object.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: 1, runId });
    }
    await journal.recordEntries(rows);
    await journal.refreshSnapshot();
    const streamed = await gatherInKeyOrder({ remote: store, journal, root, prefix: '', exclude: [], options: OPTIONS });
    expect(streamed).toMatchObject({ settled: 2500, remoteCount: 2500, journalCount: 2500, remote: [], local: [], journal: [] });

    // One edited file: an upload looks up no other key's name, so it is planned alone.
    await fsp.writeFile(path.join(root, 'd3/f3.txt'), 'edited');
    const again = await gatherInKeyOrder({ remote: store, journal, root, prefix: '', exclude: [], options: OPTIONS });
    expect(again.local.map((f) => f.path)).toEqual(['d3/f3.txt']);
    expect(again.journal.map((e) => e.key)).toEqual(['d3/f3.txt']);
    expect(again.settled).toBe(2499);

    // Edited on both sides too (keep-both): the conflict copy's first name is a settled file's, so that file is planned
    // beside it (and the copy takes the next name), and nothing else is.
    const copy = 'd3/f3 (conflict 1970-01-01 0000).txt';
    await fsp.writeFile(path.join(root, copy), 'an earlier copy');
    const st = statSync(path.join(root, copy));
    emu.seed({ [copy]: 'an earlier copy', 'd3/f3.txt': 'edited there' });
    const copyObject = emu.objects().get(copy)!;
    const copyRow = { key: copy, path: copy, remoteHash: copyObject.hash, fsize: copyObject.fsize, putTime: copyObject.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: 1, runId };
    await journal.recordEntries([copyRow]);
    const conflicted = await gatherInKeyOrder({ remote: store, journal, root, prefix: '', exclude: [], options: OPTIONS });
    await journal.close();
    expect(conflicted.journal.map((e) => e.key)).toEqual([copy, 'd3/f3.txt']);
    expect(conflicted.settled).toBe(2499);
    const planned = planSync({ ...conflicted, prefix: '', options: OPTIONS });
    const keepBoth = planned.items.find((i) => i.key === 'd3/f3.txt')!.action;
    expect(keepBoth).toMatchObject({ kind: 'keep-both', conflictPath: 'd3/f3 (conflict 1970-01-01 0000 2).txt' });
  });

  it('plans from the in-memory gather when the context is still growing after 10 passes', async () => {
    // A conflict whose copy's first 11 names are settled files: each pass finds the name the last plan took next.
    emu.reset();
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', conflict: 'keep-both' } });
    const { config } = await loadConfig(ws.configPath, ws.env);
    const now = new Date('2026-12-01T12:00:00Z');
    const stamp = conflictStamp(now);
    const copies = Array.from({ length: 11 }, (_, i) => conflictSegment('c.txt', stamp, i + 1, true));
    const content: Record<string, string> = { 'c.txt': 'old', 'x.txt': 'x' };
    for (const copy of copies) content[copy] = copy;
    emu.seed(content);
    const writer = await openJournal(config.journal.path);
    const runId = await writer.startRun({ command: 'test', direction: 'both' });
    const rows: JournalEntry[] = [];
    for (const [key, object] of emu.objects()) {
      await fsp.mkdir(config.local.root, { recursive: true });
      await fsp.writeFile(path.join(config.local.root, key), content[key]);
      const st = statSync(path.join(config.local.root, key));
      rows.push({ key, path: key, remoteHash: object.hash, fsize: object.fsize, putTime: object.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: 1, runId });
    }
    await writer.recordEntries(rows);
    await writer.close();
    emu.seed({ 'c.txt': 'new there' });
    await fsp.writeFile(path.join(config.local.root, 'c.txt'), 'new here!');

    const options: PlanOptions = { ...OPTIONS, now };
    const journal = await openJournal(config.journal.path, { readonly: true });
    try {
      const gathering = gatherInKeyOrder({ remote: store, journal, root: config.local.root, prefix: '', exclude: [], options });
      await expect(gathering).rejects.toBeInstanceOf(ContextUnsettledError);
    } finally {
      await journal.close();
    }
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, close: async () => {} };
    const { plan } = await runSync({ config, remote: store, logger, dryRun: true, now });
    expect(warnings).toEqual([expect.stringMatching(/still growing after 10 passes.*in memory instead/)]);
    expect(plan.items.find((i) => i.key === 'c.txt')?.action).toMatchObject({ kind: 'keep-both', conflictPath: conflictSegment('c.txt', stamp, 12, true) });
  });

  /** The store, listing its objects in the wrong order: `b` before `a`. */
  async function unsortedStore(): Promise<QiniuStore> {
    emu.reset();
    emu.seed({ a: '1', b: '2' });
    const unsorted: QiniuStore = Object.create(store);
    unsorted.listPages = async function* () {
      yield [(await store.stat('b'))!, (await store.stat('a'))!];
    };
    return unsorted;
  }

  it('refuses a bucket listing out of key order instead of merging it', async () => {
    const unsorted = await unsortedStore();
    const journal = await openJournal(path.join(dir, 'unsorted.db'));
    try {
      const gathering = gatherInKeyOrder({ remote: unsorted, journal, root: path.join(dir, 'none'), prefix: '', exclude: [], options: OPTIONS });
      await expect(gathering).rejects.toBeInstanceOf(KeyOrderError);
    } finally {
      await journal.close();
    }
  });

  it('sync then says so and plans from the in-memory gather, which needs no order', async () => {
    const unsorted = await unsortedStore();
    const ws = await makeWorkspace(emu);
    const { config } = await loadConfig(ws.configPath, ws.env);
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, close: async () => {} };
    const { plan } = await runSync({ config, remote: unsorted, logger, dryRun: true });
    expect(warnings).toEqual([expect.stringMatching(/bucket listing came out of key order \("a" after "b"\).*in memory instead/)]);
    expect(plan.items.map((i) => [i.key, i.action?.kind])).toEqual([
      ['a', 'download'],
      ['b', 'download'],
    ]);
  });

  it('falls back with the journal part-read from its files snapshot (the open statement is let go first)', async () => {
    const unsorted = await unsortedStore();
    const ws = await makeWorkspace(emu);
    const { config } = await loadConfig(ws.configPath, ws.env);
    const writer = await openJournal(config.journal.path);
    const row = (key: string): JournalEntry => ({ key, path: key, remoteHash: 'Fh', fsize: 1, putTime: 1, localSize: 1, localMtimeMs: 1, syncedAt: 1, runId: 1 });
    // Three snapshot pages: merging stops inside the first, with the statement over the copy still open.
    await writer.recordEntries(Array.from({ length: 2500 }, (_, i) => row(`z${String(i).padStart(4, '0')}`)));
    await writer.refreshSnapshot();
    await writer.close();
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, close: async () => {} };
    const { plan } = await runSync({ config, remote: unsorted, logger, dryRun: true });
    expect(warnings).toEqual([expect.stringMatching(/out of key order.*in memory instead/)]);
    expect(plan.items.filter((i) => i.key.startsWith('z'))).toHaveLength(2500);
    expect(plan.items.filter((i) => i.action?.kind === 'download').map((i) => i.key)).toEqual(['a', 'b']);
  });
});

describe('runSync and the files snapshot', () => {
  it('leaves a current snapshot behind, and a snapshot it cannot rebuild only costs a warning', async () => {
    emu.reset();
    emu.seed({ 'a/1': 'one', 'a/2': 'two' });
    const ws = await makeWorkspace(emu);
    const { config } = await loadConfig(ws.configPath, ws.env);
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, close: async () => {} };
    const first = await runSync({ config, remote: store, logger, dryRun: false });
    expect(first.counts.downloaded).toBe(2);
    const state = () => {
      const db = new Database(config.journal.path, { readonly: true });
      try {
        return db.prepare('select pages, rows from files_snapshot_state').get();
      } finally {
        db.close();
      }
    };
    expect(state()).toEqual({ pages: 1, rows: 2 });

    // A copy that cannot be rebuilt (every write to it fails, as on a full disk): the run still downloads, journals
    // and ends ok, and the next one reads the table.
    const db = new Database(config.journal.path);
    db.exec(`create trigger no_room before insert on files_snapshot begin select raise(fail, 'database or disk is full'); end`);
    db.close();
    emu.seed({ 'a/3': 'three' });
    const second = await runSync({ config, remote: store, logger, dryRun: false });
    expect(second).toMatchObject({ outcome: 'ok', counts: { downloaded: 1 } });
    expect(warnings).toEqual([expect.stringMatching(/Could not refresh the journal's files snapshot: database or disk is full/)]);
    expect(state()).toBeUndefined();
    const after = await openJournal(config.journal.path, { readonly: true });
    expect((await after.loadEntries()).map((e) => e.key).sort()).toEqual(['a/1', 'a/2', 'a/3']);
    await after.close();
  });
});
