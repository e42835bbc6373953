import Database from 'better-sqlite3';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/core/key-order.js';
import type { JournalEntry } from '../../src/core/types.js';
import { JournalCorruptError } from '../../src/errors.js';
import type { Journal, RunCounts } from '../../src/journal/journal.js';
import { openJournal } from '../../src/journal/open-journal.js';
import { readCachedRegion, storeRegionAnswer } from '../../src/journal/region-cache.js';
import type { UploadSessionStore } from '../../src/remote/multipart-upload.js';

let dir: string;
let file: string;
const open: Journal[] = [];

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-journal-'));
  file = path.join(dir, 'state', 'journal.db');
});

afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function journalAt(p = file, opts?: { readonly?: boolean }): Promise<Journal> {
  const j = await openJournal(p, opts);
  open.push(j);
  return j;
}

function entry(key: string, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    key,
    path: key,
    remoteHash: 'FhGxrH6ZOTcl0DPNhU2fmf2Pm8rh',
    fsize: 5,
    putTime: 17_123_456_789_012_345,
    localSize: 5,
    localMtimeMs: 1_712_345_678_901.1234,
    syncedAt: 1_712_345_679_000,
    runId: 1,
    ...over,
  };
}

const COUNTS: RunCounts = { downloaded: 3, uploaded: 2, moved: 1, deleted: 0, conflicts: 1, failed: 0, bytesDown: 3_000_000_000, bytesUp: 20 };

/** Query the file behind the journal's back. */
function inspect<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await fsp.readdir(folder)).sort()) {
    out[name] = (await fsp.readFile(path.join(folder, name))).toString('base64');
  }
  return out;
}

describe('migrations', () => {
  it('create every table on a fresh file, parent folders included', async () => {
    const j = await journalAt();
    expect((await j.loadEntries()).length).toBe(0);
    await j.close();
    const { names, tables } = inspect((db) => ({
      names: db.prepare('select name from kysely_migration order by name').pluck().all(),
      tables: db.prepare(`select name from sqlite_master where type = 'table' and name not like 'kysely%' and name not like 'sqlite%' order by name`).pluck().all(),
    }));
    expect(names).toEqual(['001-initial', '002-upload-sessions', '003-files-snapshot', '004-file-checks', '005-versions']);
    expect(tables).toEqual([
      'events',
      'file_checks',
      'files',
      'files_snapshot',
      'files_snapshot_state',
      'region_cache',
      'runs',
      'upload_parts',
      'upload_sessions',
      'versions',
    ]);
  });

  it('are idempotent: reopening keeps the data and applies nothing twice', async () => {
    const j1 = await journalAt();
    await j1.recordEntry(entry('a.txt'));
    await j1.close();
    const j2 = await journalAt();
    expect(await j2.loadEntries()).toEqual([entry('a.txt')]);
    await j2.close();
    expect(inspect((db) => db.prepare('select count(*) from kysely_migration').pluck().get())).toBe(5);
  });

  it('refuse a journal written by a newer qjournal, writable or read-only', async () => {
    await (await journalAt()).close();
    const db = new Database(file);
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999-from-the-future', new Date().toISOString());
    db.close();
    await expect(openJournal(file)).rejects.toThrow(/newer qjournal.*"999-from-the-future"/);
    await expect(openJournal(file, { readonly: true })).rejects.toThrow(/newer qjournal/);
  });

  it('report a file that is not a journal clearly', async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, 'this is not sqlite, just some text long enough to have a header'.repeat(20));
    await expect(openJournal(file)).rejects.toThrow(new RegExp(`journal ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(.*not a database`));
    await expect(openJournal(file)).rejects.toBeInstanceOf(JournalCorruptError);
  });
});

describe('the files snapshot', () => {
  // Odd keys (NUL, surrogate pairs vs U+E000), a path that is not the key, putTime above 2^53, fractional mtimes.
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      entry(i % 400 === 0 ? `\u{1F600}${i}` : i % 300 === 0 ? `\uE000${i}` : i % 250 === 0 ? `nul\0${i}` : `k/${String(i).padStart(5, '0')}`, {
        path: i % 7 === 0 ? `elsewhere/${i}` : undefined,
        putTime: 2 ** 53 + 2 * i,
        localMtimeMs: 1_712_345_678_901.123_4 + i,
        runId: 1 + (i % 3),
      }),
    ).map((e) => ({ ...e, path: e.path ?? e.key }));

  async function pages(j: Journal): Promise<JournalEntry[]> {
    const all: JournalEntry[] = [];
    for await (const page of j.entryPages()) all.push(...page);
    return all;
  }
  const state = () => inspect((db) => db.prepare('select pages, rows from files_snapshot_state').get());

  it('is read while current, is dropped by any write to files, and reads back exactly what the table holds', async () => {
    const j = await journalAt();
    const written = rows(2500);
    await j.recordEntries(written);
    const sorted = [...written].sort((a, b) => compareKeys(a.key, b.key));
    expect(state()).toBeUndefined();
    expect(await pages(j)).toEqual(sorted);

    await j.refreshSnapshot();
    expect(state()).toEqual({ pages: 3, rows: 2500 });
    expect(await pages(j)).toEqual(sorted);

    // Proof that the copy is what is read while current: a change made to it alone shows through, and a refresh
    // leaves a current copy alone.
    const db = new Database(file);
    const body = db.prepare('select body from files_snapshot where page = 0').pluck().get() as string;
    db.prepare('update files_snapshot set body = ? where page = 0').run(body.replace(sorted[0].remoteHash, 'Fchanged-only-in-the-copy'));
    db.close();
    await j.refreshSnapshot();
    expect((await pages(j))[0].remoteHash).toBe('Fchanged-only-in-the-copy');

    // Every kind of write marks the copy stale, and the table is read again.
    for (const write of [
      () => j.recordEntry(entry('new-key')),
      () => j.recordMove('new-key', entry('moved-key')),
      () => j.forget('moved-key'),
      () => j.recordEntries([{ ...sorted[1], localSize: 99 }]),
    ]) {
      await j.refreshSnapshot();
      expect(state()).toBeDefined();
      await write();
      expect(state()).toBeUndefined();
    }
    const expected = [{ ...sorted[0] }, { ...sorted[1], localSize: 99 }, ...sorted.slice(2)];
    expect(await pages(j)).toEqual(expected);
    await j.refreshSnapshot();
    expect(await pages(j)).toEqual(expected);
  });

  it('is not looked for in a journal of an older schema opened read-only (status before the first sync upgrades it)', async () => {
    const j = await journalAt();
    await j.recordEntries(rows(10));
    await j.refreshSnapshot();
    await j.close();
    // The file as qjournal wrote it before migration 003 (and so before 004).
    const db = new Database(file);
    db.exec(`drop table file_checks; drop table region_cache; delete from kysely_migration where name = '004-file-checks';
      drop trigger files_snapshot_stale_on_insert; drop trigger files_snapshot_stale_on_update;
      drop trigger files_snapshot_stale_on_delete; drop table files_snapshot; drop table files_snapshot_state;
      delete from kysely_migration where name = '003-files-snapshot';
      drop table versions; alter table runs drop column guard_flagged; delete from kysely_migration where name = '005-versions'`);
    db.close();
    const reader = await journalAt(file, { readonly: true });
    expect(await pages(reader)).toEqual(rows(10).sort((a, b) => compareKeys(a.key, b.key)));
    await reader.close();
    // A writable open upgrades it; the copy is then built by the next refresh.
    const writer = await journalAt();
    expect(state()).toBeUndefined();
    await writer.refreshSnapshot();
    expect(state()).toEqual({ pages: 1, rows: 10 });
  });

  it('is read by a read-only journal too, and an empty journal has an empty copy', async () => {
    const j = await journalAt();
    await j.refreshSnapshot();
    expect(state()).toEqual({ pages: 0, rows: 0 });
    expect(await pages(j)).toEqual([]);
    await j.recordEntries(rows(10));
    await j.refreshSnapshot();
    await j.close();
    const reader = await journalAt(file, { readonly: true });
    expect(await pages(reader)).toEqual(rows(10).sort((a, b) => compareKeys(a.key, b.key)));
    await expect(reader.refreshSnapshot()).rejects.toThrow(/read-only/);
  });
});

describe('entries', () => {
  it('page in key order by UTF-8 bytes, as Kodo lists (U+E000 before an emoji, unlike UTF-16 order)', async () => {
    const j = await journalAt();
    const rows = ['z', 'a', '\u{1F600}', '\uE000', 'm'].map((key, i) => entry(key, { putTime: 2 ** 53 + 2 * i }));
    for (const r of rows) await j.recordEntry(r);
    const paged: JournalEntry[] = [];
    for await (const page of j.entryPages()) paged.push(...page);
    expect(paged.map((e) => e.key)).toEqual(['a', 'm', 'z', '\uE000', '\u{1F600}']);
    expect(paged).toEqual([...rows].sort((a, b) => compareKeys(a.key, b.key)));
  });

  it('round-trip exactly, including putTime above 2^53 and sub-millisecond mtimes', async () => {
    const j = await journalAt();
    const real = await fsp.stat(path.dirname(file)); // a real stat value, whatever the filesystem's precision
    const rows = [
      entry('big-puttime', { putTime: 2 ** 53 + 2 }),
      entry('fraction', { localMtimeMs: 1_712_345_678_901.987_654 }),
      entry('real-stat', { localMtimeMs: real.mtimeMs, localSize: real.size }),
      entry('integer-mtime', { localMtimeMs: 1_712_345_678_901, fsize: 5 * 2 ** 40, localSize: 5 * 2 ** 40 }),
      entry('escaped key', { path: 'escaped%20key', runId: 7 }),
    ];
    for (const r of rows) await j.recordEntry(r);
    const back = await j.loadEntries();
    expect(back.sort((a, b) => a.key.localeCompare(b.key))).toEqual([...rows].sort((a, b) => a.key.localeCompare(b.key)));
    for (const r of rows) {
      const got = back.find((b) => b.key === r.key)!;
      expect(Object.is(got.localMtimeMs, r.localMtimeMs)).toBe(true); // what the fast check compares
      expect(got.putTime === r.putTime).toBe(true);
    }
    expect((await j.loadEntries()).length).toBe(rows.length);
    await j.close();

    // SQLite holds putTime as an exact 64-bit integer, not a REAL.
    const stored = inspect((db) =>
      db.prepare(`select put_time, typeof(put_time) as t from files where key = 'big-puttime'`).safeIntegers(true).get(),
    ) as { put_time: bigint; t: string };
    expect(stored).toEqual({ put_time: 2n ** 53n + 2n, t: 'integer' });
  });

  it('recordEntry replaces the row for the same key', async () => {
    const j = await journalAt();
    await j.recordEntry(entry('a'));
    await j.recordEntry(entry('a', { remoteHash: 'Fnew', fsize: 9, localSize: 9, runId: 2 }));
    expect(await j.loadEntries()).toEqual([entry('a', { remoteHash: 'Fnew', fsize: 9, localSize: 9, runId: 2 })]);
  });

  it('recordMove drops the old key and writes the new one in one transaction', async () => {
    const j = await journalAt();
    await j.recordEntry(entry('old.txt'));
    await j.recordEntry(entry('other.txt'));
    await j.recordMove('old.txt', entry('new.txt'));
    expect((await j.loadEntries()).map((e) => e.key).sort()).toEqual(['new.txt', 'other.txt']);

    // The write half fails (NaN mtime violates NOT NULL): the delete half must roll back with it.
    await expect(j.recordMove('new.txt', entry('newer.txt', { localMtimeMs: Number.NaN }))).rejects.toThrow();
    expect((await j.loadEntries()).map((e) => e.key).sort()).toEqual(['new.txt', 'other.txt']);
  });

  it('recordEntries writes a batch all or nothing', async () => {
    const j = await journalAt();
    await j.recordEntries([entry('a'), entry('b'), entry('a', { fsize: 7 })]);
    expect((await j.loadEntries()).sort((x, y) => x.key.localeCompare(y.key))).toEqual([entry('a', { fsize: 7 }), entry('b')]);
    await expect(j.recordEntries([entry('c'), entry('d', { localMtimeMs: Number.NaN })])).rejects.toThrow();
    expect((await j.loadEntries()).length).toBe(2);
  });

  it('forget removes one key', async () => {
    const j = await journalAt();
    await j.recordEntry(entry('a'));
    await j.recordEntry(entry('b'));
    await j.forget('a');
    await j.forget('never-there');
    expect((await j.loadEntries()).map((e) => e.key)).toEqual(['b']);
  });
});

describe('runs and events', () => {
  it('record a run from start to finish, newest first', async () => {
    const j = await journalAt();
    expect(await j.lastRun()).toBeNull();
    const first = await j.startRun({ command: 'sync', direction: 'both' });
    await j.addEvent(first, 'info', 'downloaded a.txt');
    await j.addEvent(first, 'error', 'upload b.txt: network');
    await j.finishRun(first, 'partial', COUNTS, '1 failed');
    const second = await j.startRun({ command: 'restore', direction: '-' });

    const running = await j.lastRun();
    expect(running).toMatchObject({ id: second, command: 'restore', direction: '-', outcome: 'running', finishedAt: null, message: null, downloaded: 0, bytesUp: 0 });

    const runs = await j.listRuns(10);
    expect(runs.map((r) => r.id)).toEqual([second, first]);
    expect(runs[1]).toMatchObject({ command: 'sync', direction: 'both', outcome: 'partial', message: '1 failed', ...COUNTS });
    expect(runs[1].finishedAt).toBeGreaterThanOrEqual(runs[1].startedAt);
    expect(await j.listRuns(1)).toHaveLength(1);

    const events = await j.listEvents(first);
    expect(events.map(({ level, message, runId }) => ({ level, message, runId }))).toEqual([
      { level: 'info', message: 'downloaded a.txt', runId: first },
      { level: 'error', message: 'upload b.txt: network', runId: first },
    ]);
    expect(await j.listEvents(second)).toEqual([]);
  });

  it('finishRun of an unknown run fails loudly', async () => {
    const j = await journalAt();
    await expect(j.finishRun(999, 'ok', COUNTS)).rejects.toThrow(/no run 999/);
  });

  it('events must belong to a run', async () => {
    const j = await journalAt();
    await expect(j.addEvent(42, 'info', 'orphan')).rejects.toThrow(/FOREIGN KEY/);
  });
});

describe('read-only', () => {
  it('of a missing file creates nothing and reads as empty', async () => {
    const j = await journalAt(file, { readonly: true });
    expect(await j.loadEntries()).toEqual([]);
    expect((await j.loadEntries()).length).toBe(0);
    expect(await j.lastRun()).toBeNull();
    expect(await j.listRuns(5)).toEqual([]);
    expect(await j.loadUploadSession('k', '/p')).toBeNull();
    await expect(j.startRun({ command: 'sync', direction: 'down' })).rejects.toThrow(/read-only/);
    await expect(j.recordEntry(entry('a'))).rejects.toThrow(/read-only/);
    await j.close();
    expect(await fsp.readdir(dir)).toEqual([]); // not even the parent folder
  });

  it('never writes: the folder holds the same files with the same bytes', async () => {
    const w = await journalAt();
    const runId = await w.startRun({ command: 'sync', direction: 'down' });
    await w.recordEntry(entry('a'));
    await w.addEvent(runId, 'info', 'x');
    await w.saveUploadSession({ key: 'big', localPath: '/r/big', localSize: 1, localMtimeMs: 1, uploadId: 'u', partSize: 4, expireAt: 9e9 });
    await w.finishRun(runId, 'ok', COUNTS);
    await w.close();
    const before = await snapshot(path.dirname(file));
    expect(Object.keys(before)).toEqual(['journal.db']); // at rest: no -wal / -shm beside it

    const r = await journalAt(file, { readonly: true });
    expect(await r.loadEntries()).toEqual([entry('a')]);
    expect(await r.lastRun()).toMatchObject({ id: runId, outcome: 'ok' });
    expect(await r.listEvents(runId)).toHaveLength(1);
    expect(await r.loadUploadSession('big', '/r/big')).toMatchObject({ uploadId: 'u' });
    for (const write of [
      () => r.startRun({ command: 'sync', direction: 'down' }),
      () => r.recordEntry(entry('b')),
      () => r.recordEntries([entry('b')]),
      () => r.recordMove('a', entry('b')),
      () => r.forget('a'),
      () => r.addEvent(runId, 'info', 'y'),
      () => r.finishRun(runId, 'ok', COUNTS),
      () => r.saveUploadSession({ key: 'k', localPath: '/p', localSize: 1, localMtimeMs: 1, uploadId: 'v', partSize: 4, expireAt: 1 }),
      () => r.recordUploadPart('u', { partNumber: 1, etag: 'e', size: 4 }),
      () => r.dropUploadSession('u'),
      () => r.pruneUploadSessions(9e10),
    ]) {
      await expect(write()).rejects.toThrow(/read-only/);
    }
    await r.close();
    expect(await snapshot(path.dirname(file))).toEqual(before);
  });

  it('reads alongside a writer and sees its committed rows', async () => {
    const w = await journalAt();
    await w.recordEntry(entry('a'));
    const r = await journalAt(file, { readonly: true });
    expect(await r.loadEntries()).toEqual([entry('a')]);
    await w.recordEntry(entry('b'));
    expect((await r.loadEntries()).length).toBe(2);
    await r.close();
    await w.close();
    // The writer closed last and returned the file to rollback mode at rest.
    expect(await fsp.readdir(path.dirname(file))).toEqual(['journal.db']);
  });
});

describe('upload sessions', () => {
  it('keep a multipart upload across reopen: session, parts in order, replace, drop, prune', async () => {
    const session = { key: 'videos/big.mp4', localPath: '/backup/videos/big.mp4', localSize: 10 << 20, localMtimeMs: 1_712_345_678_901.5, localQetag: 'lqetag', uploadId: 'up-1', partSize: 4 << 20, expireAt: 1_800_000_000 };
    const j1 = await journalAt();
    await j1.saveUploadSession(session);
    await j1.recordUploadPart('up-1', { partNumber: 2, etag: 'e2', size: 4 << 20 });
    await j1.recordUploadPart('up-1', { partNumber: 1, etag: 'e1', size: 4 << 20 });
    await j1.recordUploadPart('up-1', { partNumber: 1, etag: 'e1-again', size: 4 << 20 }); // a retried part
    await j1.recordUploadPart('dropped-meanwhile', { partNumber: 1, etag: 'x', size: 1 }); // ignored
    await j1.close();

    const j2 = await journalAt();
    const loaded = await j2.loadUploadSession(session.key, session.localPath);
    expect(loaded).toEqual({
      ...session,
      createdAt: expect.any(Number),
      parts: [
        { partNumber: 1, etag: 'e1-again', size: 4 << 20 },
        { partNumber: 2, etag: 'e2', size: 4 << 20 },
      ],
    });
    expect(await j2.loadUploadSession(session.key, '/elsewhere')).toBeNull();

    // A fresh upload id for the same file replaces the old session and its parts.
    await j2.saveUploadSession({ ...session, uploadId: 'up-2', localQetag: undefined });
    expect(await j2.loadUploadSession(session.key, session.localPath)).toMatchObject({ uploadId: 'up-2', localQetag: null, parts: [] });
    expect(inspect((db) => db.prepare('select count(*) from upload_parts').pluck().get())).toBe(0);

    await j2.dropUploadSession('up-2');
    expect(await j2.loadUploadSession(session.key, session.localPath)).toBeNull();

    await j2.saveUploadSession({ ...session, key: 'old', uploadId: 'old', expireAt: 1_000 });
    await j2.saveUploadSession({ ...session, key: 'new', uploadId: 'new', expireAt: 3_000 });
    expect(await j2.pruneUploadSessions(2_000)).toBe(1);
    expect(await j2.loadUploadSession('new', session.localPath)).not.toBeNull();
  });

  it('serves as the multipart uploader’s session store', async () => {
    const j = await journalAt();
    // Compile-time check that the shapes line up; at run time a smoke test of the adapter.
    const store: UploadSessionStore = {
      load: (key, localPath) => j.loadUploadSession(key, localPath),
      save: (s) => j.saveUploadSession(s),
      recordPart: (uploadId, part) => j.recordUploadPart(uploadId, part),
      drop: (uploadId) => j.dropUploadSession(uploadId),
    };
    await store.save({ key: 'k', localPath: '/p', localSize: 1, localMtimeMs: 2, uploadId: 'u', partSize: 4, expireAt: 5 });
    await store.recordPart('u', { partNumber: 1, etag: 'e', size: 1 });
    expect(await store.load('k', '/p')).toMatchObject({ uploadId: 'u', parts: [{ partNumber: 1, etag: 'e', size: 1 }] });
  });
});

describe('file checks (migration 004)', () => {
  const check = (remoteHash: string, verifiedBy: 'qetag' | 'etag-v2' | 'md5' | 'size') => ({
    remoteHash,
    hashKind: verifiedBy === 'qetag' ? ('v1-single' as const) : verifiedBy === 'etag-v2' ? ('etag-v2' as const) : ('opaque' as const),
    verifiedBy,
    localQetag: 'FhGxrH6ZOTcl0DPNhU2fmf2Pm8rh',
    servedBy: 'http://origin.example',
  });

  it('are written with their row, read back only while the row holds the same hash, and unverified ones are listed', async () => {
    const j = await journalAt();
    await j.recordEntry(entry('a', { remoteHash: 'opaque-a' }), undefined, check('opaque-a', 'size'));
    await j.recordEntry(entry('b', { remoteHash: 'opaque-b', path: 'B' }), undefined, check('opaque-b', 'md5'));
    await j.recordEntry(entry('c', { remoteHash: 'nAAA' }), undefined, check('nAAA', 'etag-v2'));
    await j.recordEntry(entry('d'));
    expect(await j.fileCheck('a', 'opaque-a')).toEqual(check('opaque-a', 'size'));
    expect(await j.fileCheck('a', 'another-hash')).toBeNull();
    expect(await j.fileCheck('d', 'FhGxrH6ZOTcl0DPNhU2fmf2Pm8rh')).toBeNull();
    expect(await j.unverifiedCopies()).toEqual([
      { key: 'a', path: 'a', verifiedBy: 'size', hashKind: 'opaque' },
      { key: 'b', path: 'B', verifiedBy: 'md5', hashKind: 'opaque' },
    ]);
    // The key now holds another version (written without a check): its old check no longer counts.
    await j.recordEntry(entry('a', { remoteHash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN' }));
    expect(await j.unverifiedCopies()).toEqual([{ key: 'b', path: 'B', verifiedBy: 'md5', hashKind: 'opaque' }]);
    await j.forget('b');
    expect(await j.unverifiedCopies()).toEqual([]);
  });

  it('a journal from before migration 004 opened read-only has none (and no region cache)', async () => {
    const j = await journalAt();
    await j.recordEntry(entry('a', { remoteHash: 'opaque-a' }), undefined, check('opaque-a', 'size'));
    await j.close();
    const db = new Database(file);
    db.exec(`drop table file_checks; drop table region_cache; delete from kysely_migration where name = '004-file-checks'`);
    db.close();
    const reader = await journalAt(file, { readonly: true });
    expect(await reader.unverifiedCopies()).toEqual([]);
    expect(await reader.fileCheck('a', 'opaque-a')).toBeNull();
    expect(readCachedRegion(file, 'bkt', 'uc', Date.now())).toBeNull();
    expect(storeRegionAnswer(file, 'bkt', 'uc', '{}', Date.now() + 1000)).toBe(false);
  });

  it('the region cache answers until it expires, and only for the same question', async () => {
    const j = await journalAt();
    await j.close();
    expect(storeRegionAnswer(file, 'bkt', 'https://uc.qiniuapi.com ak', '{"region":"z2"}', 2_000)).toBe(true);
    expect(readCachedRegion(file, 'bkt', 'https://uc.qiniuapi.com ak', 1_999)).toBe('{"region":"z2"}');
    expect(readCachedRegion(file, 'bkt', 'https://uc.qiniuapi.com ak', 2_000)).toBeNull();
    expect(readCachedRegion(file, 'bkt', 'http://127.0.0.1:9 ak', 1_000)).toBeNull();
    expect(readCachedRegion(file, 'other', 'https://uc.qiniuapi.com ak', 1_000)).toBeNull();
  });
});
