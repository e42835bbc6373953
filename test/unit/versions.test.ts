import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, parseRetention, planPrune, type RetentionPolicy } from '../../src/core/retention.js';
import { parseTimeSpec } from '../../src/core/time-spec.js';
import type { Action, LocalFile, RemoteObject } from '../../src/core/types.js';
import { isCurrentAt, versionKeeping, versionWhere, type VersionRecord } from '../../src/core/versions.js';

const remote: RemoteObject = { key: 'k', hash: 'Fnew', fsize: 1, putTime: 1 };
const local: LocalFile = { path: 'k', size: 1, mtimeMs: 1 };
const base = { key: 'k', path: 'k' };

describe('versionKeeping: which actions keep a version, and where', () => {
  it.each<[string, Action, boolean, unknown]>([
    ['remote overwrite of an unchanged file: the file goes to the store', { ...base, kind: 'download', reason: 'remote-modified', remote, replaces: local }, true, { keep: 'store', knownVersion: true, ends: { origin: 'remote-overwrite', location: 'store' } }],
    ['remote overwrite of a file deleted here: both sides lost the old bytes already', { ...base, kind: 'download', reason: 'remote-modified', remote, replaces: null }, false, { keep: 'none', ends: { origin: 'lost', location: 'gone' } }],
    ['conflict = remote: the local edit is kept (hashed, a version of its own)', { ...base, kind: 'download', reason: 'conflict', remote, replaces: local }, true, { keep: 'store', knownVersion: false, ends: { origin: 'conflict', location: 'gone' } }],
    ['a new object replaces nothing', { ...base, kind: 'download', reason: 'new-remote', remote, replaces: null }, false, { keep: 'none', ends: null }],
    ['a file deleted here and fetched again: the version stays current', { ...base, kind: 'download', reason: 'local-deleted', remote, replaces: null }, false, { keep: 'none', ends: null }],
    ['a local edit uploaded over an object: the object is copied into the bucket trash', { ...base, kind: 'upload', reason: 'local-modified', local, expectRemoteHash: 'Fold' }, true, { keep: 'bucket-trash', ends: { origin: 'local-edit', location: 'bucket-trash' } }],
    ['conflict = local: likewise, as a conflict', { ...base, kind: 'upload', reason: 'conflict', local, expectRemoteHash: 'Fold' }, true, { keep: 'bucket-trash', ends: { origin: 'conflict', location: 'bucket-trash' } }],
    ['a new upload replaces nothing', { ...base, kind: 'upload', reason: 'new-local', local, expectRemoteHash: null }, true, { keep: 'none', ends: null }],
    ['mirror, deleted remotely: the local file goes to the store', { ...base, kind: 'trash-local', reason: 'remote-deleted', local }, true, { keep: 'store', knownVersion: true, ends: { origin: 'remote-delete', location: 'store' } }],
    ['mirror, deleted locally: the object moves into the bucket trash itself', { ...base, kind: 'delete-remote', reason: 'local-deleted', remote }, false, { keep: 'already', ends: { origin: 'local-delete', location: 'bucket-trash' } }],
    ['a rename keeps the bytes under the new key', { ...base, kind: 'move-local', fromKey: 'j', fromPath: 'j', reason: 'renamed-remote', remote, local: { ...local, path: 'j' } }, false, { keep: 'already', ends: { origin: 'renamed', location: 'root' } }],
    ['keep-both keeps the local edit as a copy; the journal\'s version changed on both sides', { ...base, kind: 'keep-both', reason: 'conflict', remote, local, conflictPath: 'k (conflict)', conflictKey: null }, true, { keep: 'none', ends: { origin: 'conflict', location: 'gone' } }],
    ['record: the same new bytes on both sides', { ...base, kind: 'record', reason: 'conflict', remote, local }, true, { keep: 'none', ends: { origin: 'lost', location: 'gone' } }],
    ['forget: gone on both sides', { ...base, kind: 'forget', reason: 'remote-deleted' }, false, { keep: 'none', ends: { origin: 'lost', location: 'gone' } }],
  ])('%s', (_name, action, targetExists, expected) => {
    expect(versionKeeping(action, targetExists)).toEqual(expected);
  });
});

function version(over: Partial<VersionRecord>): VersionRecord {
  return { id: 1, key: 'k', hash: 'Fh', fsize: 10, putTime: 0, sinceAt: 0, sinceRun: 1, untilAt: 1000, untilRun: 2, origin: 'remote-overwrite', location: 'store', trashKey: null, ...over };
}

describe('versionWhere and isCurrentAt', () => {
  it.each<[string, Partial<VersionRecord>, boolean, boolean, string]>([
    ['the current version is in the root', { untilAt: null, location: 'root' }, false, false, 'root'],
    ['an ended version whose hash the store holds', { location: 'gone' }, true, false, 'store'],
    ['kept in the bucket trash', { location: 'bucket-trash', trashKey: '.qjournal-trash/x/k' }, false, false, 'bucket-trash'],
    ['pruned from the trash, but another key has the bytes now', { location: 'pruned', trashKey: '.qjournal-trash/x/k' }, false, true, 'root'],
    ['pruned', { location: 'pruned' }, false, false, 'gone'],
  ])('%s', (_n, over, inStore, elsewhere, where) => {
    expect(versionWhere(version(over), inStore, elsewhere)).toBe(where);
  });

  it('a version is current from its start (inclusive) to its end (exclusive)', () => {
    const v = version({ sinceAt: 100, untilAt: 200 });
    expect([99, 100, 199, 200].map((t) => isCurrentAt(v, t))).toEqual([false, true, true, false]);
    expect(isCurrentAt(version({ sinceAt: 100, untilAt: null }), 1e15)).toBe(true);
  });
});

describe('planPrune: time-based retention', () => {
  const DAY = 86_400_000;
  const now = 1000 * DAY;
  const policy: RetentionPolicy = { keepReplacedMs: 90 * DAY, keepDeletedMs: 365 * DAY };
  const ended = (id: number, daysAgo: number, over: Partial<VersionRecord> = {}) =>
    version({ id, hash: `F${id}`, untilAt: now - daysAgo * DAY, sinceRun: id, untilRun: id + 1, ...over });

  it('prunes replaced versions after keep_replaced and deleted ones after keep_deleted', () => {
    const versions = [
      ended(1, 91),
      ended(2, 89),
      ended(3, 91, { origin: 'remote-delete' }),
      ended(4, 366, { origin: 'local-delete', location: 'bucket-trash', trashKey: 't/4' }),
      ended(5, 400, { origin: 'deleted' }),
    ];
    const plan = planPrune(versions, policy, [], now);
    expect(plan.prune.map((v) => v.id)).toEqual([1, 4, 5]);
    expect(plan.freeStoreHashes).toEqual(['F1', 'F5']);
    expect(plan.deleteTrashKeys).toEqual(['t/4']);
    expect(plan.freedBytes).toBe(30);
  });

  it('forever keeps everything, 0 keeps nothing', () => {
    const versions = [ended(1, 0), ended(2, 10_000)];
    expect(planPrune(versions, { keepReplacedMs: null, keepDeletedMs: null }, [], now).prune).toEqual([]);
    expect(planPrune(versions, { keepReplacedMs: 0, keepDeletedMs: 0 }, [], now).prune.map((v) => v.id)).toEqual([1, 2]);
  });

  it('a store file shared with a kept version stays', () => {
    const plan = planPrune([ended(1, 100, { hash: 'Fsame' }), ended(2, 1, { hash: 'Fsame' })], policy, [], now);
    expect(plan.prune.map((v) => v.id)).toEqual([1]);
    expect(plan.freeStoreHashes).toEqual([]);
    expect(plan.freedBytes).toBe(0);
  });

  it('never prunes the version a key had right before a run the guard flagged', () => {
    // Run 7 was flagged (refused, or accepted with an override). Version 1 ended in run 7, version 2 was still
    // current when run 7 started and ended later; version 3 ended before run 7, version 4 started after it.
    const versions = [
      ended(1, 500, { sinceRun: 3, untilRun: 7 }),
      ended(2, 500, { sinceRun: 5, untilRun: 9 }),
      ended(3, 500, { sinceRun: 2, untilRun: 6 }),
      ended(4, 500, { sinceRun: 8, untilRun: 9 }),
    ];
    expect(planPrune(versions, { keepReplacedMs: 0, keepDeletedMs: 0 }, [7], now).prune.map((v) => v.id)).toEqual([3, 4]);
  });

  it('finishes what an interrupted prune left', () => {
    const plan = planPrune([ended(1, 0, { location: 'pruning', trashKey: 't/1' })], DEFAULT_RETENTION, [], now);
    expect(plan.prune.map((v) => v.id)).toEqual([1]);
    expect(plan.deleteTrashKeys).toEqual(['t/1']);
  });

  it.each([
    ['90d', 90 * 86_400_000],
    ['12w', 12 * 7 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['48h', 48 * 3_600_000],
    ['0', 0],
    ['forever', null],
    ['FOREVER', null],
  ])('parseRetention(%s)', (text, ms) => {
    expect(parseRetention(text)).toEqual({ ms });
  });

  it.each(['', '90', '-1d', '3 months', '1.5d'])('parseRetention refuses %j', (text) => {
    expect(parseRetention(text)).toBeNull();
  });
});

describe('parseTimeSpec', () => {
  const now = new Date(Date.UTC(2026, 2, 15, 12, 0, 0));
  const local = (...p: [number, number, number, number?, number?, number?]) => new Date(p[0], p[1] - 1, p[2], p[3] ?? 0, p[4] ?? 0, p[5] ?? 0).getTime();

  it.each<[string, unknown]>([
    ['2026-03-01', { kind: 'time', at: local(2026, 3, 1) }],
    ['2026-03-01T12:00', { kind: 'time', at: local(2026, 3, 1, 12, 0) }],
    ['2026-03-01 12:00:30', { kind: 'time', at: local(2026, 3, 1, 12, 0, 30) }],
    ['2026-03-01T12:00Z', { kind: 'time', at: Date.UTC(2026, 2, 1, 12, 0) }],
    ['2026-03-01T12:00:30.250Z', { kind: 'time', at: Date.UTC(2026, 2, 1, 12, 0, 30, 250) }],
    ['2026-03-01T12:00+08:00', { kind: 'time', at: Date.UTC(2026, 2, 1, 4, 0) }],
    ['#12', { kind: 'run', run: 12 }],
    ['3d', { kind: 'time', at: now.getTime() - 3 * 86_400_000 }],
    ['2w', { kind: 'time', at: now.getTime() - 14 * 86_400_000 }],
    ['12h', { kind: 'time', at: now.getTime() - 12 * 3_600_000 }],
    ['90m', { kind: 'time', at: now.getTime() - 90 * 60_000 }],
  ])('%s', (text, expected) => {
    expect(parseTimeSpec(text, now)).toEqual(expected);
  });

  it.each(['yesterday', '2026-02-30', '2026-13-01', '2026-03-01T25:00', '#', '#x', '3y', '2026-3-1', ''])('refuses %j with the accepted forms', (text) => {
    const parsed = parseTimeSpec(text, now);
    expect(parsed).toEqual({ error: expect.stringMatching(/2026-03-01|not a valid date/) });
  });
});
