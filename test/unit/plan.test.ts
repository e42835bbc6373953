import { describe, expect, it } from 'vitest';
import { mapKeys } from '../../src/core/keys.js';
import { conflictSegment, planSync, type PlanInput } from '../../src/core/plan.js';
import type {
  Action,
  ConflictPolicy,
  DeletePolicy,
  Direction,
  JournalEntry,
  LocalFile,
  Plan,
  PlanItem,
  PlanOptions,
  RemoteObject,
  SyncState,
} from '../../src/core/types.js';

const NOW = new Date('2026-11-24T05:46:59.123Z');
const STAMP = '2026-11-24 0546';
const H_J = 'FjournalHash';
const H_L = 'FlocalEdit';
const H_R = 'FremoteEdit';

function row(key: string, over: Partial<JournalEntry> = {}): JournalEntry {
  return { key, path: key, remoteHash: H_J, fsize: 5, putTime: 1, localSize: 5, localMtimeMs: 1000, syncedAt: 1, runId: 1, ...over };
}
function object(key: string, hash = H_J, fsize = 5): RemoteObject {
  return { key, hash, fsize, putTime: 2 };
}
function file(path: string, over: Partial<LocalFile> = {}): LocalFile {
  return { path, size: 5, mtimeMs: 1000, ...over };
}

function options(over: Partial<PlanOptions> = {}): PlanOptions {
  return { direction: 'both', deletes: 'keep', conflict: 'keep-both', now: NOW, ...over };
}

function plan(input: Partial<Omit<PlanInput, 'options'>> & { options?: Partial<PlanOptions> }): Plan {
  const full: PlanInput = {
    remote: input.remote ?? [],
    local: input.local ?? [],
    journal: input.journal ?? [],
    prefix: input.prefix ?? '',
    options: options(input.options),
  };
  const result = planSync(full);
  expectCoverage(full, result);
  return result;
}

/**
 * Every remote key, journal key and local path appears exactly once (as an item's key/path or as the from-side of a
 * rename), items are sorted by key then path, and no action targets a path outside the root.
 */
function expectCoverage(input: PlanInput, result: Plan): void {
  const seenKeys = new Map<string, number>();
  const seenPaths = new Map<string, number>();
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const item of result.items) {
    if (item.key !== '') count(seenKeys, item.key);
    if (item.path !== null) count(seenPaths, item.path);
    const a = item.action;
    if (a?.kind === 'move-remote' || a?.kind === 'move-local') {
      if (a.fromKey !== a.key) count(seenKeys, a.fromKey);
    }
    if (a?.kind === 'move-local' && a.fromPath !== a.path) count(seenPaths, a.fromPath);
    if (a) {
      expect(a.key).toBe(item.key);
      expect(a.path).toBe(item.path);
      expect(a.reason).toBe(item.state);
      for (const p of [a.path, a.kind === 'move-local' ? a.fromPath : a.path, a.kind === 'keep-both' ? a.conflictPath : a.path]) {
        expect(p.split('/')).not.toContain('..');
        expect(p.split('/')).not.toContain('.');
        expect(p.split('/')).not.toContain('');
        expect(p.split('/')[0]).not.toBe('.qjournal');
      }
    }
    if (item.state === 'unmappable') expect(item.action).toBeNull();
  }
  const inputKeys = new Set([...input.remote.map((o) => o.key), ...input.journal.filter((e) => e.key.startsWith(input.prefix)).map((e) => e.key)]);
  for (const key of inputKeys) expect(seenKeys.get(key), `key ${JSON.stringify(key)}`).toBe(1);
  for (const f of input.local) expect(seenPaths.get(f.path), `path ${JSON.stringify(f.path)}`).toBe(1);
  const order = result.items.map((i) => [i.key, i.path ?? ''] as const);
  const sorted = [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  expect(order).toEqual(sorted);
}

function itemOf(p: Plan, key: string): PlanItem {
  const found = p.items.filter((i) => i.key === key);
  expect(found, `one item for ${JSON.stringify(key)} in ${JSON.stringify(p.items.map((i) => i.key))}`).toHaveLength(1);
  return found[0];
}

function summary(p: Plan): [string, string | null, SyncState, string | null][] {
  return p.items.map((i) => [i.key, i.path, i.state, i.action?.kind ?? null]);
}

// ── The decision table of DESIGN.md, row by row, for each direction ──────────────────────────────────────────────

type Expect = [SyncState, Action['kind'] | null, Record<string, unknown>?];
interface TableRow {
  row: string;
  local?: LocalFile;
  remote?: RemoteObject;
  journal?: JournalEntry;
  deletes?: DeletePolicy;
  conflict?: ConflictPolicy;
  down: Expect;
  up: Expect;
  both: Expect;
}

const K = 'a.txt';
const L_SAME = file(K);
const L_TOUCHED = file(K, { mtimeMs: 2000, hash: H_J });
const L_EDITED = file(K, { size: 6, mtimeMs: 2000, hash: H_L });
const L_NEW = file(K, { size: 6, mtimeMs: 2000, hash: H_L });
const R_SAME = object(K, H_J);
const R_EDITED = object(K, H_R, 7);
const J = row(K);
const KEEP_BOTH_PATH = `a (conflict ${STAMP}).txt`;

const TABLE: TableRow[] = [
  { row: 'L = J, R = J, J', local: L_SAME, remote: R_SAME, journal: J, down: ['in-sync', null], up: ['in-sync', null], both: ['in-sync', null] },
  {
    row: 'L = J by qetag only (touched), R = J, J: the journal row is refreshed',
    local: L_TOUCHED,
    remote: R_SAME,
    journal: J,
    down: ['in-sync', 'record'],
    up: ['in-sync', 'record'],
    both: ['in-sync', 'record'],
  },
  {
    row: '–, R new, –',
    remote: R_EDITED,
    down: ['new-remote', 'download'],
    up: ['new-remote', null],
    both: ['new-remote', 'download', { remote: R_EDITED, path: K }],
  },
  {
    row: 'L new, –, –',
    local: L_NEW,
    down: ['new-local', null],
    up: ['new-local', 'upload', { expectRemoteHash: null }],
    both: ['new-local', 'upload', { expectRemoteHash: null, local: L_NEW }],
  },
  {
    row: 'L ≠ J, R = J, J',
    local: L_EDITED,
    remote: R_SAME,
    journal: J,
    down: ['local-modified', null],
    up: ['local-modified', 'upload', { expectRemoteHash: H_J }],
    both: ['local-modified', 'upload', { expectRemoteHash: H_J }],
  },
  {
    row: 'L = J, R ≠ J, J',
    local: L_SAME,
    remote: R_EDITED,
    journal: J,
    down: ['remote-modified', 'download'],
    up: ['remote-modified', null],
    both: ['remote-modified', 'download', { remote: R_EDITED }],
  },
  {
    row: 'L ≠ J, R ≠ J, J, same qetag',
    local: L_EDITED,
    remote: object(K, H_L, 6),
    journal: J,
    down: ['conflict', 'record'],
    up: ['conflict', 'record'],
    both: ['conflict', 'record'],
  },
  {
    row: 'L ≠ J, R ≠ J, J, conflict = keep-both',
    local: L_EDITED,
    remote: R_EDITED,
    journal: J,
    conflict: 'keep-both',
    down: ['conflict', 'keep-both', { conflictPath: KEEP_BOTH_PATH, conflictKey: null }],
    up: ['conflict', 'keep-both', { conflictPath: KEEP_BOTH_PATH, conflictKey: KEEP_BOTH_PATH }],
    both: ['conflict', 'keep-both', { conflictPath: KEEP_BOTH_PATH, conflictKey: KEEP_BOTH_PATH, remote: R_EDITED, local: L_EDITED }],
  },
  {
    row: 'L ≠ J, R ≠ J, J, conflict = remote',
    local: L_EDITED,
    remote: R_EDITED,
    journal: J,
    conflict: 'remote',
    down: ['conflict', 'download'],
    up: ['conflict', null],
    both: ['conflict', 'download', { remote: R_EDITED }],
  },
  {
    row: 'L ≠ J, R ≠ J, J, conflict = local',
    local: L_EDITED,
    remote: R_EDITED,
    journal: J,
    conflict: 'local',
    down: ['conflict', null],
    up: ['conflict', 'upload', { expectRemoteHash: H_R }],
    both: ['conflict', 'upload', { expectRemoteHash: H_R }],
  },
  {
    row: 'L ≠ J, R ≠ J, J, conflict = report',
    local: L_EDITED,
    remote: R_EDITED,
    journal: J,
    conflict: 'report',
    down: ['conflict', null],
    up: ['conflict', null],
    both: ['conflict', null],
  },
  {
    row: 'both exist, no J, same qetag',
    local: L_NEW,
    remote: object(K, H_L, 6),
    down: ['conflict', 'record'],
    up: ['conflict', 'record'],
    both: ['conflict', 'record', { local: L_NEW }],
  },
  {
    row: 'both exist, no J, conflict = keep-both',
    local: L_NEW,
    remote: R_EDITED,
    conflict: 'keep-both',
    down: ['conflict', 'keep-both', { conflictKey: null }],
    up: ['conflict', 'keep-both', { conflictKey: KEEP_BOTH_PATH }],
    both: ['conflict', 'keep-both', { conflictPath: KEEP_BOTH_PATH, conflictKey: KEEP_BOTH_PATH }],
  },
  {
    row: 'both exist, no J, conflict = remote',
    local: L_NEW,
    remote: R_EDITED,
    conflict: 'remote',
    down: ['conflict', 'download'],
    up: ['conflict', null],
    both: ['conflict', 'download'],
  },
  {
    row: 'both exist, no J, conflict = local',
    local: L_NEW,
    remote: R_EDITED,
    conflict: 'local',
    down: ['conflict', null],
    up: ['conflict', 'upload', { expectRemoteHash: H_R }],
    both: ['conflict', 'upload', { expectRemoteHash: H_R }],
  },
  {
    row: 'both exist, no J, conflict = report',
    local: L_NEW,
    remote: R_EDITED,
    conflict: 'report',
    down: ['conflict', null],
    up: ['conflict', null],
    both: ['conflict', null],
  },
  {
    row: '–, R = J, J, deletes = keep: the backup heals',
    remote: R_SAME,
    journal: J,
    deletes: 'keep',
    down: ['local-deleted', 'download'],
    up: ['local-deleted', null],
    both: ['local-deleted', 'download', { path: K }],
  },
  {
    row: '–, R = J, J, deletes = mirror',
    remote: R_SAME,
    journal: J,
    deletes: 'mirror',
    down: ['local-deleted', 'download'],
    up: ['local-deleted', 'delete-remote'],
    both: ['local-deleted', 'delete-remote', { remote: R_SAME }],
  },
  {
    row: 'L = J, –, J, deletes = keep: kept and reported, not re-uploaded',
    local: L_SAME,
    journal: J,
    deletes: 'keep',
    down: ['remote-deleted', null, { note: 'kept locally; restore with `qjournal restore a.txt`' }],
    up: ['remote-deleted', null],
    both: ['remote-deleted', null, { note: 'kept locally; restore with `qjournal restore a.txt`' }],
  },
  {
    row: 'L = J, –, J, deletes = mirror',
    local: L_SAME,
    journal: J,
    deletes: 'mirror',
    down: ['remote-deleted', 'trash-local'],
    up: ['remote-deleted', null],
    both: ['remote-deleted', 'trash-local', { local: L_SAME }],
  },
  {
    row: '–, –, J: gone on both sides',
    journal: J,
    down: ['remote-deleted', 'forget'],
    up: ['remote-deleted', 'forget'],
    both: ['remote-deleted', 'forget'],
  },
  {
    row: '–, –, J, deletes = mirror: gone on both sides',
    journal: J,
    deletes: 'mirror',
    down: ['remote-deleted', 'forget'],
    up: ['remote-deleted', 'forget'],
    both: ['remote-deleted', 'forget'],
  },
  // Our call: an edit beats a deletion on the other side (nothing is ever trashed or deleted when it changed since).
  {
    row: 'L ≠ J, –, J (edited after the remote deletion), deletes = keep',
    local: L_EDITED,
    journal: J,
    deletes: 'keep',
    down: ['remote-deleted', null],
    up: ['local-modified', 'upload', { expectRemoteHash: null }],
    both: ['local-modified', 'upload', { expectRemoteHash: null }],
  },
  {
    row: 'L ≠ J, –, J (edited after the remote deletion), deletes = mirror',
    local: L_EDITED,
    journal: J,
    deletes: 'mirror',
    down: ['remote-deleted', null],
    up: ['local-modified', 'upload', { expectRemoteHash: null }],
    both: ['local-modified', 'upload', { expectRemoteHash: null }],
  },
  {
    row: '–, R ≠ J, J (deleted locally, changed remotely), deletes = keep',
    remote: R_EDITED,
    journal: J,
    deletes: 'keep',
    down: ['remote-modified', 'download'],
    up: ['local-deleted', null],
    both: ['remote-modified', 'download'],
  },
  {
    row: '–, R ≠ J, J (deleted locally, changed remotely), deletes = mirror',
    remote: R_EDITED,
    journal: J,
    deletes: 'mirror',
    down: ['remote-modified', 'download'],
    up: ['local-deleted', null],
    both: ['remote-modified', 'download'],
  },
];

const DIRECTIONS: Direction[] = ['down', 'up', 'both'];

describe('decision table (DESIGN.md), one row per line and direction', () => {
  const cases = TABLE.flatMap((r) => DIRECTIONS.map((direction) => [r.row, direction, r] as const));
  it.each(cases)('%s | direction %s', (_name, direction, r) => {
    const p = plan({
      remote: r.remote ? [r.remote] : [],
      local: r.local ? [r.local] : [],
      journal: r.journal ? [r.journal] : [],
      options: { direction, deletes: r.deletes ?? 'keep', conflict: r.conflict ?? 'keep-both' },
    });
    const [state, kind, extra] = r[direction];
    expect(p.items).toHaveLength(1);
    const item = itemOf(p, K);
    expect(item.path).toBe(K);
    expect(item.state).toBe(state);
    expect(item.action?.kind ?? null).toBe(kind);
    if (extra) {
      const { note, ...actionFields } = extra;
      if (note !== undefined) expect(item.note).toBe(note);
      if (Object.keys(actionFields).length > 0) expect(item.action).toMatchObject(actionFields);
    }
    // Reported-only items say why nothing happens (in-sync needs no explanation).
    if (kind === null && state !== 'in-sync') expect(item.note).toBeTruthy();
  });

  it('a conflict download (conflict = remote) carries reason "conflict", so the executor trashes the local copy first', () => {
    const p = plan({ remote: [R_EDITED], local: [L_EDITED], journal: [J], options: { conflict: 'remote' } });
    expect(itemOf(p, K).action).toEqual({ kind: 'download', key: K, path: K, reason: 'conflict', remote: R_EDITED, replaces: L_EDITED });
  });

  it('an upload over a modified remote expects the hash the plan saw (compare-and-swap)', () => {
    const p = plan({ remote: [R_EDITED], local: [L_EDITED], journal: [J], options: { conflict: 'local' } });
    expect(itemOf(p, K).action).toEqual({ kind: 'upload', key: K, path: K, reason: 'conflict', local: L_EDITED, expectRemoteHash: H_R });
  });
});

// ── Renames ─────────────────────────────────────────────────────────────────────────────────────────────────────

describe('renames', () => {
  const BIG = 'FbigHash';
  const moved = (path: string) => file(path, { size: 5 << 20, mtimeMs: 9000, hash: BIG });

  describe('local rename (– old path + new path with J’s qetag) → server-side move', () => {
    const input = {
      remote: [object('video/big.bin', BIG, 5 << 20)],
      journal: [row('video/big.bin', { remoteHash: BIG, fsize: 5 << 20, localSize: 5 << 20 })],
      local: [moved('archive/big-renamed.bin')],
    };

    it.each<[Direction, [string, string | null, SyncState, string | null][]]>([
      ['both', [['archive/big-renamed.bin', 'archive/big-renamed.bin', 'renamed-local', 'move-remote']]],
      ['up', [['archive/big-renamed.bin', 'archive/big-renamed.bin', 'renamed-local', 'move-remote']]],
      [
        'down',
        [
          ['archive/big-renamed.bin', 'archive/big-renamed.bin', 'new-local', null],
          ['video/big.bin', 'video/big.bin', 'local-deleted', 'download'],
        ],
      ],
    ])('direction %s', (direction, expected) => {
      expect(summary(plan({ ...input, options: { direction } }))).toEqual(expected);
    });

    it('the move names both keys and carries the local file and the old object', () => {
      const item = itemOf(plan(input), 'archive/big-renamed.bin');
      expect(item.action).toEqual({
        kind: 'move-remote',
        fromKey: 'video/big.bin',
        key: 'archive/big-renamed.bin',
        path: 'archive/big-renamed.bin',
        reason: 'renamed-local',
        local: moved('archive/big-renamed.bin'),
        remote: object('video/big.bin', BIG, 5 << 20),
      });
    });

    it('is not a rename when the object changed since (R ≠ J)', () => {
      const p = plan({ ...input, remote: [object('video/big.bin', 'Fother', 5 << 20)] });
      expect(summary(p)).toEqual([
        ['archive/big-renamed.bin', 'archive/big-renamed.bin', 'new-local', 'upload'],
        ['video/big.bin', 'video/big.bin', 'remote-modified', 'download'],
      ]);
    });

    it('a renamed folder of files moves each one, pairing same hashes by base name', () => {
      const same = 'Fsame';
      const p = plan({
        remote: ['album/p1.jpg', 'album/p2.jpg', 'album/p3.jpg'].map((k) => object(k, same, 10)),
        journal: ['album/p1.jpg', 'album/p2.jpg', 'album/p3.jpg'].map((k) => row(k, { remoteHash: same, fsize: 10 })),
        local: ['album-2024/p3.jpg', 'album-2024/p1.jpg', 'album-2024/p2.jpg'].map((p) => file(p, { size: 10, mtimeMs: 5, hash: same })),
      });
      expect(p.items.map((i) => i.action?.kind === 'move-remote' && [i.action.fromKey, i.action.key])).toEqual([
        ['album/p1.jpg', 'album-2024/p1.jpg'],
        ['album/p2.jpg', 'album-2024/p2.jpg'],
        ['album/p3.jpg', 'album-2024/p3.jpg'],
      ]);
    });

    it('pairs each journal row at most once: a second copy with the same qetag is uploaded', () => {
      const p = plan({ ...input, local: [moved('archive/big-renamed.bin'), moved('copy/big.bin')] });
      expect(summary(p)).toEqual([
        ['archive/big-renamed.bin', 'archive/big-renamed.bin', 'new-local', 'upload'],
        ['copy/big.bin', 'copy/big.bin', 'renamed-local', 'move-remote'],
      ]);
    });

    it('0-byte files are never renames (every empty file has the same qetag)', () => {
      const EMPTY = 'Fto5o-5ea0sNMlW_75VgGJCv2AcJ';
      const p = plan({
        remote: [object('a/empty', EMPTY, 0)],
        journal: [row('a/empty', { remoteHash: EMPTY, fsize: 0, localSize: 0 })],
        local: [file('b/empty', { size: 0, mtimeMs: 3, hash: EMPTY })],
      });
      expect(summary(p)).toEqual([
        ['a/empty', 'a/empty', 'local-deleted', 'download'],
        ['b/empty', 'b/empty', 'new-local', 'upload'],
      ]);
    });
  });

  describe('remote rename (new key with J’s qetag + old key gone) → local rename', () => {
    const input = {
      remote: [object('docs/2024/report-final.pdf', BIG, 5000)],
      journal: [row('docs/report.pdf', { remoteHash: BIG, fsize: 5000, localSize: 5000 })],
      local: [file('docs/report.pdf', { size: 5000 })],
    };

    it.each<[Direction, [string, string | null, SyncState, string | null][]]>([
      ['both', [['docs/2024/report-final.pdf', 'docs/2024/report-final.pdf', 'renamed-remote', 'move-local']]],
      ['down', [['docs/2024/report-final.pdf', 'docs/2024/report-final.pdf', 'renamed-remote', 'move-local']]],
      [
        'up',
        [
          ['docs/2024/report-final.pdf', 'docs/2024/report-final.pdf', 'new-remote', null],
          ['docs/report.pdf', 'docs/report.pdf', 'remote-deleted', null],
        ],
      ],
    ])('direction %s', (direction, expected) => {
      expect(summary(plan({ ...input, options: { direction } }))).toEqual(expected);
    });

    it('the move names both keys and both paths', () => {
      expect(itemOf(plan(input), 'docs/2024/report-final.pdf').action).toEqual({
        kind: 'move-local',
        fromKey: 'docs/report.pdf',
        key: 'docs/2024/report-final.pdf',
        fromPath: 'docs/report.pdf',
        path: 'docs/2024/report-final.pdf',
        reason: 'renamed-remote',
        remote: object('docs/2024/report-final.pdf', BIG, 5000),
        local: input.local[0],
      });
    });

    it('is not a rename when the local file was edited (L ≠ J)', () => {
      const p = plan({ ...input, local: [file('docs/report.pdf', { size: 5001, mtimeMs: 7, hash: 'Fedit' })] });
      expect(summary(p)).toEqual([
        ['docs/2024/report-final.pdf', 'docs/2024/report-final.pdf', 'new-remote', 'download'],
        ['docs/report.pdf', 'docs/report.pdf', 'local-modified', 'upload'],
      ]);
    });

    it('prefers the candidate with the same base name', () => {
      const p = plan({ ...input, remote: [object('a/other.pdf', BIG, 5000), object('b/report.pdf', BIG, 5000)] });
      expect(summary(p)).toEqual([
        ['a/other.pdf', 'a/other.pdf', 'new-remote', 'download'],
        ['b/report.pdf', 'b/report.pdf', 'renamed-remote', 'move-local'],
      ]);
    });

    it('0-byte files are never renames', () => {
      const EMPTY = 'Fto5o-5ea0sNMlW_75VgGJCv2AcJ';
      const p = plan({
        remote: [object('b/empty', EMPTY, 0)],
        journal: [row('a/empty', { remoteHash: EMPTY, fsize: 0, localSize: 0 })],
        local: [file('a/empty', { size: 0 })],
      });
      expect(summary(p)).toEqual([
        ['a/empty', 'a/empty', 'remote-deleted', null],
        ['b/empty', 'b/empty', 'new-remote', 'download'],
      ]);
    });

    it('maps the new key through the escape (a renamed-to key like ../x lands inside the root)', () => {
      const p = plan({ ...input, remote: [object('../report.pdf', BIG, 5000)] });
      expect(itemOf(p, '../report.pdf').action).toMatchObject({ kind: 'move-local', fromPath: 'docs/report.pdf', path: '%2E%2E/report.pdf' });
    });
  });
});

// ── Conflict copies ─────────────────────────────────────────────────────────────────────────────────────────────

describe('conflict copy names', () => {
  function keepBoth(key: string, extra: Partial<PlanInput> = {}, direction: Direction = 'both', prefix = '') {
    const local = file(extra.local?.[0]?.path ?? mappedPath(key, prefix), { size: 6, mtimeMs: 2, hash: H_L });
    const p = plan({
      prefix,
      remote: [object(key, H_R), ...(extra.remote ?? [])],
      local: [local, ...(extra.local?.slice(1) ?? [])],
      journal: extra.journal ?? [],
      options: { direction },
    });
    const action = itemOf(p, key).action;
    if (action?.kind !== 'keep-both') throw new Error(`expected keep-both, got ${action?.kind}`);
    return { conflictPath: action.conflictPath, conflictKey: action.conflictKey };
  }
  function mappedPath(key: string, prefix: string): string {
    const m = mapKeys([key], prefix).get(key)!;
    if (m.kind !== 'mapped') throw new Error(m.reason);
    return m.path;
  }

  it.each([
    ['dir/name.ext', `dir/name (conflict ${STAMP}).ext`, `dir/name (conflict ${STAMP}).ext`],
    ['README', `README (conflict ${STAMP})`, `README (conflict ${STAMP})`],
    ['.bashrc', `.bashrc (conflict ${STAMP})`, `.bashrc (conflict ${STAMP})`],
    ['a.tar.gz', `a.tar (conflict ${STAMP}).gz`, `a.tar (conflict ${STAMP}).gz`],
    ['trailing.', `trailing. (conflict ${STAMP})`, `trailing. (conflict ${STAMP})`],
    ['../up.txt', `%2E%2E/up (conflict ${STAMP}).txt`, `../up (conflict ${STAMP}).txt`],
    ['p%25.txt', `p%2525 (conflict ${STAMP}).txt`, `p%25 (conflict ${STAMP}).txt`],
    ['a%20b.pdf', `a%20b (conflict ${STAMP}).pdf`, `a%20b (conflict ${STAMP}).pdf`],
    ['trail/', `trail/ (conflict ${STAMP})`, `trail/ (conflict ${STAMP})`],
  ])('%j → %j (key %j)', (key, conflictPath, conflictKey) => {
    expect(keepBoth(key)).toEqual({ conflictPath, conflictKey });
  });

  it('uses UTC from options.now', () => {
    expect(conflictSegment('x.txt', '2026-11-24 0546', 1, true)).toBe('x (conflict 2026-11-24 0546).txt');
    const p = plan({ remote: [object('x.txt', H_R)], local: [file('x.txt', { hash: H_L })], options: { now: new Date('2027-01-01T23:59:00-02:00') } });
    expect(itemOf(p, 'x.txt').action).toMatchObject({ conflictPath: 'x (conflict 2027-01-02 0159).txt' });
  });

  it('direction down keeps the copy locally only (conflictKey null)', () => {
    expect(keepBoth('dir/name.ext', {}, 'down')).toEqual({ conflictPath: `dir/name (conflict ${STAMP}).ext`, conflictKey: null });
  });

  it('counts up past an existing local file, remote key, or folder of that name', () => {
    const taken = `dir/name (conflict ${STAMP}).ext`;
    expect(keepBoth('dir/name.ext', { local: [file('dir/name.ext'), file(taken, { hash: 'Fz' })] }).conflictPath).toBe(`dir/name (conflict ${STAMP} 2).ext`);
    expect(keepBoth('dir/name.ext', { remote: [object(taken, 'Fz')] }).conflictKey).toBe(`dir/name (conflict ${STAMP} 2).ext`);
    expect(keepBoth('dir/name.ext', { remote: [object(`${taken}/inner`, 'Fz'), object(`dir/name (conflict ${STAMP} 2).ext`, 'Fy')] }).conflictKey).toBe(
      `dir/name (conflict ${STAMP} 3).ext`,
    );
  });

  it('two conflicts in one plan never get the same copy', () => {
    const p = plan({
      remote: [object('x', H_R), object('x/y', H_R)],
      local: [file('x%', { hash: H_L }), file('x/y', { hash: H_L })],
    });
    const copies = p.items.map((i) => (i.action?.kind === 'keep-both' ? i.action.conflictPath : null));
    expect(copies).toEqual([`x (conflict ${STAMP})`, `x/y (conflict ${STAMP})`]);
  });

  it('keeps the prefix in the key and out of the path', () => {
    expect(keepBoth('pre/d/a.txt', {}, 'both', 'pre/')).toEqual({ conflictPath: `d/a (conflict ${STAMP}).txt`, conflictKey: `pre/d/a (conflict ${STAMP}).txt` });
  });

  it('shortens a long stem so the name still fits in 255 bytes, keeping stamp and extension', () => {
    const key = `${'é'.repeat(120)}.txt`;
    const { conflictPath } = keepBoth(key);
    expect(Buffer.byteLength(conflictPath)).toBeLessThanOrEqual(255);
    expect(conflictPath.endsWith(` (conflict ${STAMP}).txt`)).toBe(true);
    expect(conflictPath.startsWith('é'.repeat(100))).toBe(true);
  });
});

// ── Keys, paths, Unicode and case ───────────────────────────────────────────────────────────────────────────────

describe('escaped keys', () => {
  const keys = ['../up.txt', 'a//b.txt', '.qjournal/x', 'x', 'x/y', 'p%25.txt', './d.txt', 'trail/'];
  const paths = ['%2E%2E/up.txt', 'a/%/b.txt', '%2Eqjournal/x', 'x%', 'x/y', 'p%2525.txt', '%2E/d.txt', 'trail/%'];

  it('download to escaped paths', () => {
    const p = plan({ remote: keys.map((k) => object(k)), options: { direction: 'down' } });
    expect(keys.map((k) => itemOf(p, k).action)).toEqual(keys.map((k, i) => ({ kind: 'download', key: k, path: paths[i], reason: 'new-remote', remote: object(k), replaces: null })));
  });

  it('after a down sync, an up sync adds no key; an edit of an escaped file goes back to its own key', () => {
    const journal = keys.map((k, i) => row(k, { path: paths[i] }));
    const local = paths.map((p) => file(p));
    const remote = keys.map((k) => object(k));
    expect(plan({ remote, local, journal, options: { direction: 'up' } }).items.every((i) => i.state === 'in-sync' && i.action === null)).toBe(true);

    const edited = local.map((f) => (f.path === 'x%' || f.path === '%2E%2E/up.txt' ? { ...f, size: 9, mtimeMs: 9, hash: H_L } : f));
    const p = plan({ remote, local: edited, journal, options: { direction: 'up' } });
    expect(p.items.filter((i) => i.action).map((i) => [i.action!.kind, i.key, i.path])).toEqual([
      ['upload', '../up.txt', '%2E%2E/up.txt'],
      ['upload', 'x', 'x%'],
    ]);
  });

  it('new local files with escaped names upload under the key they stand for', () => {
    const p = plan({ local: [file('%2E%2E/n.txt', { hash: H_L }), file('q%', { hash: H_L }), file('q/r', { hash: H_L })] });
    expect(summary(p)).toEqual([
      ['../n.txt', '%2E%2E/n.txt', 'new-local', 'upload'],
      ['q', 'q%', 'new-local', 'upload'],
      ['q/r', 'q/r', 'new-local', 'upload'],
    ]);
  });

  it('keys below a prefix', () => {
    const p = plan({
      prefix: 'backup/',
      remote: [object('backup/a.txt'), object('backup/')],
      local: [file('new.txt', { hash: H_L })],
      journal: [row('elsewhere/old.txt', { path: 'old.txt' })],
    });
    expect(summary(p)).toEqual([
      ['backup/', '%', 'new-remote', 'download'],
      ['backup/a.txt', 'a.txt', 'new-remote', 'download'],
      ['backup/new.txt', 'new.txt', 'new-local', 'upload'],
    ]);
  });

  it('a file x that gains keys x/... moves to x% (same key) so the folder can be created', () => {
    const p = plan({ remote: [object('x'), object('x/y', H_R)], local: [file('x')], journal: [row('x')] });
    expect(p.items.map((i) => i.action)).toEqual([
      { kind: 'move-local', fromKey: 'x', key: 'x', fromPath: 'x', path: 'x%', reason: 'renamed-remote', remote: object('x'), local: file('x') },
      { kind: 'download', key: 'x/y', path: 'x/y', reason: 'new-remote', remote: object('x/y', H_R), replaces: null },
    ]);
  });

  it('an edited x is uploaded from where it is, not moved (it moves on a later run, once in sync)', () => {
    const p = plan({ remote: [object('x'), object('x/y', H_R)], local: [file('x', { size: 9, mtimeMs: 9, hash: H_L })], journal: [row('x')] });
    expect(summary(p)).toEqual([
      ['x', 'x', 'local-modified', 'upload'],
      ['x/y', 'x/y', 'new-remote', 'download'],
    ]);
  });

  it('on a case-insensitive disk too: x/y waits while the edited file x is still in the way', () => {
    const edited = file('x', { size: 9, mtimeMs: 9, hash: H_L });
    const p = plan({ remote: [object('x'), object('x/y', H_R)], local: [edited], journal: [row('x')], options: { caseInsensitive: true } });
    expect(summary(p)).toEqual([
      ['x', 'x', 'local-modified', 'upload'],
      ['x/y', null, 'unmappable', null],
    ]);
    const inSync = plan({ remote: [object('x'), object('x/y', H_R)], local: [file('x')], journal: [row('x')], options: { caseInsensitive: true } });
    expect(summary(inSync)).toEqual([
      ['x', 'x%', 'renamed-remote', 'move-local'],
      ['x/y', 'x/y', 'new-remote', 'download'],
    ]);
  });

  it('a file journaled at x% stays there when the folder x/ is gone', () => {
    const p = plan({ remote: [object('x')], local: [file('x%')], journal: [row('x', { path: 'x%' })] });
    expect(summary(p)).toEqual([['x', 'x%', 'in-sync', null]]);
  });
});

describe('unmappable keys and paths', () => {
  it('a key with a segment over 255 bytes is reported with its reason and no path', () => {
    const long = `${'n'.repeat(300)}.txt`;
    const p = plan({ remote: [object(long), object('ok.txt')] });
    const item = itemOf(p, long);
    expect(item).toMatchObject({ path: null, state: 'unmappable', action: null });
    expect(item.note).toMatch(/255 bytes/);
    expect(itemOf(p, 'ok.txt').action?.kind).toBe('download');
  });

  it.each([
    ['a%2E.txt', /%2E/],
    ['%2e', /%2e/],
    ['x%', /not the canonical name of key "x"/],
  ])('a local file named %j is reported, never uploaded under a guessed key', (path, note) => {
    const p = plan({ local: [file(path, { hash: H_L })] });
    expect(p.items).toHaveLength(1);
    expect(p.items[0]).toMatchObject({ key: '', path, state: 'unmappable', action: null });
    expect(p.items[0].note).toMatch(note);
  });

  it('a second name for a known key is reported; the key keeps its own file', () => {
    const p = plan({ remote: [object('x')], local: [file('x'), file('x%', { hash: H_L })], journal: [row('x')] });
    expect(summary(p)).toEqual([
      ['', 'x%', 'unmappable', null],
      ['x', 'x', 'in-sync', null],
    ]);
    expect(p.items[0].note).toMatch(/another name for key "x"/);
  });
});

describe('Unicode normalization (macOS hands back NFD)', () => {
  const NFC = 'photos/café.jpg';
  const NFD = 'photos/cafe\u0301.jpg';

  it('an NFD local file is the NFC key’s file: in sync, nothing uploaded', () => {
    const p = plan({ remote: [object(NFC)], local: [file(NFD)], journal: [row(NFC)] });
    expect(summary(p)).toEqual([[NFC, NFD, 'in-sync', null]]);
  });

  it('without a journal row it is compared, not uploaded as a second key', () => {
    const p = plan({ remote: [object(NFC, H_L)], local: [file(NFD, { hash: H_L })] });
    expect(summary(p)).toEqual([[NFC, NFD, 'conflict', 'record']]);
  });

  it('the download of a changed NFC key overwrites the NFD file in place', () => {
    const p = plan({ remote: [object(NFC, H_R)], local: [file(NFD)], journal: [row(NFC)] });
    expect(itemOf(p, NFC).action).toMatchObject({ kind: 'download', path: NFD });
  });

  it('a download carries the file the walk found at its target, even one another key owns', () => {
    // The NFC key was synced to an NFD file; a key spelled NFD appears, whose canonical path is that file. (Two
    // items name that path, so not through `plan`, which checks each path is named once.)
    const p = planSync({ remote: [object(NFC), object(NFD, H_R)], local: [file(NFD)], journal: [row(NFC, { path: NFD })], prefix: '', options: options() });
    expect(summary(p)).toEqual([
      [NFD, NFD, 'new-remote', 'download'],
      [NFC, NFD, 'in-sync', null],
    ]);
    expect(itemOf(p, NFD).action).toMatchObject({ kind: 'download', path: NFD, replaces: file(NFD) });
  });

  it('when both spellings exist locally, the exact one wins and the other is its own key', () => {
    const p = plan({ remote: [object(NFC)], local: [file(NFC), file(NFD, { hash: H_L })], journal: [row(NFC)] });
    expect(summary(p)).toEqual([
      [NFD, NFD, 'new-local', 'upload'],
      [NFC, NFC, 'in-sync', null],
    ]);
  });
});

describe('case-insensitive file systems', () => {
  it('two keys that differ only by case: the later one is reported instead of overwriting the first', () => {
    const remote = [object('Docs/A.txt'), object('Docs/a.txt', H_R)];
    expect(summary(plan({ remote, options: { caseInsensitive: true } }))).toEqual([
      ['Docs/A.txt', 'Docs/A.txt', 'new-remote', 'download'],
      ['Docs/a.txt', null, 'unmappable', null],
    ]);
    const note = itemOf(plan({ remote, options: { caseInsensitive: true } }), 'Docs/a.txt').note;
    expect(note).toMatch(/case collision/);
    expect(summary(plan({ remote }))).toEqual([
      ['Docs/A.txt', 'Docs/A.txt', 'new-remote', 'download'],
      ['Docs/a.txt', 'Docs/a.txt', 'new-remote', 'download'],
    ]);
  });

  it('the key already on disk wins over a new one that sorts first', () => {
    const p = plan({
      remote: [object('A.txt', H_R), object('a.txt')],
      local: [file('a.txt')],
      journal: [row('a.txt')],
      options: { caseInsensitive: true },
    });
    expect(summary(p)).toEqual([
      ['A.txt', null, 'unmappable', null],
      ['a.txt', 'a.txt', 'in-sync', null],
    ]);
  });

  it('a key the journal knows wins over a new one, even when its local file is gone', () => {
    const p = plan({ remote: [object('A.txt', H_R), object('a.txt')], journal: [row('a.txt')], options: { caseInsensitive: true } });
    expect(summary(p)).toEqual([
      ['A.txt', null, 'unmappable', null],
      ['a.txt', 'a.txt', 'local-deleted', 'download'],
    ]);
  });

  it('a new local file blocks a key that needs a folder of the same name', () => {
    const p = plan({ remote: [object('Notes/x.txt')], local: [file('notes', { hash: H_L })], options: { caseInsensitive: true } });
    expect(summary(p)).toEqual([
      ['Notes/x.txt', null, 'unmappable', null],
      ['notes', 'notes', 'new-local', 'upload'],
    ]);
  });

  it('a file where another key needs a folder of the same name (in another case)', () => {
    const p = plan({ remote: [object('Notes'), object('notes/x.txt')], options: { caseInsensitive: true } });
    expect(summary(p)).toEqual([
      ['Notes', 'Notes', 'new-remote', 'download'],
      ['notes/x.txt', null, 'unmappable', null],
    ]);
  });

  it('folders that differ only by case share one folder: no collision, and the walked spelling matches', () => {
    const p = plan({
      remote: [object('Docs/a.txt'), object('docs/b.txt')],
      local: [file('Docs/a.txt'), file('Docs/b.txt')],
      journal: [row('Docs/a.txt'), row('docs/b.txt')],
      options: { caseInsensitive: true },
    });
    expect(summary(p)).toEqual([
      ['Docs/a.txt', 'Docs/a.txt', 'in-sync', null],
      ['docs/b.txt', 'Docs/b.txt', 'in-sync', null],
    ]);
  });

  it('a local README.md is the key readme.md’s file, not a new key', () => {
    const p = plan({ remote: [object('readme.md', H_L)], local: [file('README.md', { hash: H_L })], options: { caseInsensitive: true } });
    expect(summary(p)).toEqual([['readme.md', 'README.md', 'conflict', 'record']]);
  });
});

describe('plan properties', () => {
  it('is deterministic and does not mutate its input', () => {
    const input: PlanInput = {
      remote: [object('b'), object('a', H_R), object('c/d')],
      local: [file('a', { hash: H_L, size: 9 }), file('e', { hash: H_L })],
      journal: [row('a'), row('c/d')],
      prefix: '',
      options: options(),
    };
    const frozen = JSON.stringify(input);
    const first = planSync(input);
    expect(planSync(input)).toEqual(first);
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it('random three-way states never lose an input, never double-book a key, and keep paths inside the root', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const names = ['a', 'b', 'x', 'x/y', '../u', 'a//b', '.qjournal/j', 'p%25', 'café', 'cafe\u0301', 'A', 'd/e', 'trail/'];
    const hashes = ['F1', 'F2', 'F3'];
    for (let run = 0; run < 400; run++) {
      const remote: RemoteObject[] = [];
      const local: LocalFile[] = [];
      const journal: JournalEntry[] = [];
      const mapped = mapKeys(names, '');
      for (const key of names) {
        const path = (mapped.get(key) as { path: string }).path;
        if (next() < 0.5) remote.push(object(key, pick(hashes), 3));
        if (next() < 0.5) journal.push(row(key, { path, remoteHash: pick(hashes), fsize: 3, localSize: 3 }));
        if (next() < 0.5) local.push(file(path, next() < 0.5 ? { size: 3 } : { size: 3, mtimeMs: 7, hash: pick(hashes) }));
      }
      if (next() < 0.2) local.push(file('a%2E', { hash: 'F1' }));
      const full: PlanInput = {
        remote,
        local,
        journal,
        prefix: '',
        options: options({
          direction: pick(DIRECTIONS),
          deletes: pick(['keep', 'mirror'] as const),
          conflict: pick(['keep-both', 'remote', 'local', 'report'] as const),
          caseInsensitive: next() < 0.3,
        }),
      };
      const result = planSync(full);
      expectCoverage(full, result);
      const down = full.options.direction === 'down';
      const up = full.options.direction === 'up';
      for (const item of result.items) {
        const kind = item.action?.kind;
        if (down) expect(['upload', 'move-remote', 'delete-remote']).not.toContain(kind);
        if (up) expect(['download', 'move-local', 'trash-local']).not.toContain(kind);
        if (full.options.deletes === 'keep') expect(['delete-remote', 'trash-local']).not.toContain(kind);
      }
    }
  });
});
