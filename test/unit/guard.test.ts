import { describe, expect, it } from 'vitest';
import { guardPlan } from '../../src/core/guard.js';
import type { Action, LocalFile, Plan, PlanItem, RemoteObject } from '../../src/core/types.js';

const remote = (key: string): RemoteObject => ({ key, hash: `F${key}`, fsize: 1, putTime: 1 });
const local = (path: string): LocalFile => ({ path, size: 1, mtimeMs: 1 });

const ACTION = {
  'delete-remote': (k: string): Action => ({ kind: 'delete-remote', key: k, path: k, reason: 'local-deleted', remote: remote(k) }),
  'trash-local': (k: string): Action => ({ kind: 'trash-local', key: k, path: k, reason: 'remote-deleted', local: local(k) }),
  'move-remote': (k: string): Action => ({ kind: 'move-remote', fromKey: `old/${k}`, key: k, path: k, reason: 'renamed-local', local: local(k), remote: remote(`old/${k}`) }),
  'move-local': (k: string): Action => ({ kind: 'move-local', fromKey: `old/${k}`, key: k, fromPath: `old/${k}`, path: k, reason: 'renamed-remote', remote: remote(k), local: { path: `old/${k}`, size: 1, mtimeMs: 1 } }),
  download: (k: string): Action => ({ kind: 'download', key: k, path: k, reason: 'new-remote', remote: remote(k), replaces: null }),
  forget: (k: string): Action => ({ kind: 'forget', key: k, path: k, reason: 'remote-deleted' }),
};

function planOf(counts: Partial<Record<keyof typeof ACTION, number>>, inSync = 0): Plan {
  const items: PlanItem[] = [];
  for (const [kind, n] of Object.entries(counts) as [keyof typeof ACTION, number][]) {
    for (let i = 0; i < n; i++) {
      const action = ACTION[kind](`${kind}-${i}.txt`);
      items.push({ key: action.key, path: `${kind}-${i}.txt`, state: action.reason, action });
    }
  }
  for (let i = 0; i < inSync; i++) items.push({ key: `same-${i}`, path: `same-${i}`, state: 'in-sync', action: null });
  return { items };
}

describe('guardPlan: mass deletion', () => {
  it.each([
    // deletions, journal, maxDelete, ok?
    ['nothing to delete', { download: 3 }, 10, 0.5, true],
    ['5 of 10 at 50% (exactly the limit)', { 'trash-local': 5 }, 10, 0.5, true],
    ['6 of 10 at 50%', { 'trash-local': 6 }, 10, 0.5, false],
    ['remote and local deletions add up: 3 + 3 of 10 at 50%', { 'trash-local': 3, 'delete-remote': 3 }, 10, 0.5, false],
    ['1 of 10 at 0% (max_delete = 0 forbids any)', { 'delete-remote': 1 }, 10, 0, false],
    ['10 of 10 at 100%', { 'delete-remote': 10 }, 10, 1, true],
    ['1 of 3 at 30% (0.9 files allowed)', { 'delete-remote': 1 }, 3, 0.3, false],
    ['renames never count', { 'move-remote': 8, 'move-local': 8 }, 10, 0.5, true],
    ['forgetting rows gone on both sides is no deletion', { forget: 10 }, 10, 0.5, true],
  ])('%s', (_name, counts, journalCount, maxDelete, ok) => {
    const verdict = guardPlan(planOf(counts, 4), { journalCount, remoteCount: 20, maxDelete });
    expect(verdict.ok).toBe(ok);
  });

  it('the reason names the numbers', () => {
    const verdict = guardPlan(planOf({ 'trash-local': 4, 'delete-remote': 2 }), { journalCount: 10, remoteCount: 6, maxDelete: 0.5 });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toContain('6 deletion(s)');
    expect(verdict.reason).toContain('2 in the bucket');
    expect(verdict.reason).toContain('4 local file(s)');
    expect(verdict.reason).toContain('10 journaled');
    expect(verdict.reason).toContain('60%');
    expect(verdict.reason).toContain('max_delete = 50%');
    expect(verdict.reason).toContain('at most 5');
  });
});

describe('guardPlan: empty listing against a full journal', () => {
  it('refuses any deletion, even one within max_delete', () => {
    const verdict = guardPlan(planOf({ 'trash-local': 1 }, 9), { journalCount: 10, remoteCount: 0, maxDelete: 1 });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toMatch(/listing is empty/);
    expect(verdict.reason).toContain('10 file(s)');
    expect(verdict.reason).toContain('1 deletion(s)');
  });

  it('lets a plan without deletions through (deletes = keep reports, does nothing)', () => {
    expect(guardPlan(planOf({}, 10), { journalCount: 10, remoteCount: 0, maxDelete: 0.5 })).toEqual({ ok: true });
    expect(guardPlan(planOf({ forget: 2 }), { journalCount: 2, remoteCount: 0, maxDelete: 0.5 })).toEqual({ ok: true });
  });

  it('a first run (empty journal, empty bucket) is fine', () => {
    expect(guardPlan(planOf({}), { journalCount: 0, remoteCount: 0, maxDelete: 0.5 })).toEqual({ ok: true });
  });
});

describe('guardPlan: mass change (max_change)', () => {
  const overwrite = {
    download: (k: string): Action => ({ kind: 'download', key: k, path: k, reason: 'remote-modified', remote: remote(k), replaces: null }),
    conflictRemote: (k: string): Action => ({ kind: 'download', key: k, path: k, reason: 'conflict', remote: remote(k), replaces: null }),
    upload: (k: string): Action => ({ kind: 'upload', key: k, path: k, reason: 'local-modified', local: local(k), expectRemoteHash: `F${k}` }),
    newUpload: (k: string): Action => ({ kind: 'upload', key: k, path: k, reason: 'new-local', local: local(k), expectRemoteHash: null }),
    newDownload: (k: string): Action => ({ kind: 'download', key: k, path: k, reason: 'new-remote', remote: remote(k), replaces: null }),
    refetch: (k: string): Action => ({ kind: 'download', key: k, path: k, reason: 'local-deleted', remote: remote(k), replaces: null }),
    trash: (k: string): Action => ACTION['trash-local'](k),
    move: (k: string): Action => ACTION['move-local'](k),
  };
  const plan = (counts: Partial<Record<keyof typeof overwrite, number>>, folder = (i: number) => `f${i % 2}/`): Plan => {
    const items: PlanItem[] = [];
    for (const [kind, n] of Object.entries(counts) as [keyof typeof overwrite, number][]) {
      for (let i = 0; i < n; i++) {
        const action = overwrite[kind](`${folder(i)}${kind}-${i}.txt`);
        items.push({ key: action.key, path: action.key, state: action.reason, action });
      }
    }
    return { items };
  };

  it.each([
    // name, plan, journal, maxChange, ok
    ['30 of 60 overwritten at 50% (the limit)', { download: 30 }, 60, 0.5, true],
    ['31 of 60 overwritten at 50%', { download: 31 }, 60, 0.5, false],
    ['overwrites both ways and a conflict add up', { download: 11, upload: 10, conflictRemote: 10 }, 60, 0.5, false],
    ['deletions count as changes too', { download: 20, trash: 11 }, 100, 0.3, false],
    ['new keys and files fetched again are no change', { newDownload: 50, newUpload: 50, refetch: 50 }, 60, 0.1, true],
    ['renames are no change', { move: 50 }, 60, 0.1, true],
    ['9 of 10 overwritten: fewer than 10 changes are never refused', { download: 9 }, 10, 0.1, true],
    ['10 of 10 overwritten at 50%: from 10 on they are', { download: 10 }, 10, 0.5, false],
    ['the first run (empty journal) is exempt', { download: 40 }, 0, 0.1, true],
    ['max_change = 100% allows everything', { download: 60 }, 60, 1, true],
  ])('%s', (_name, counts, journalCount, maxChange, ok) => {
    expect(guardPlan(plan(counts), { journalCount, remoteCount: 100, maxDelete: 1, maxChange }).ok).toBe(ok);
  });

  it('names the top-level folders most changed, and how to accept it for one run', () => {
    const verdict = guardPlan(
      plan({ download: 40 }, (i) => (i < 30 ? 'photos/2024/' : i < 38 ? 'docs/' : '')),
      { journalCount: 60, remoteCount: 60, maxDelete: 0.5, maxChange: 0.5 },
    );
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toContain('overwrite or delete 40 of 60 journaled file(s) (66.7%)');
    expect(verdict.reason).toContain('max_change = 50% (at most 30)');
    expect(verdict.reason).toContain('most in photos/ (30), docs/ (8), (top level) (2)');
    expect(verdict.reason).toContain('sync --max-change 100%');
  });

  it('a command-line override lets the plan through but flags the run; within the configured limits nothing is flagged', () => {
    const p = plan({ download: 40, trash: 10 });
    const configured = { maxDelete: 0.5, maxChange: 0.5 };
    expect(guardPlan(p, { journalCount: 60, remoteCount: 60, maxDelete: 0.5, maxChange: 0.5 }).ok).toBe(false);
    const accepted = guardPlan(p, { journalCount: 60, remoteCount: 60, maxDelete: 0.5, maxChange: 1, configured });
    expect(accepted).toEqual({ ok: true, flagged: expect.stringContaining('max_change = 50%') });
    // --max-delete alone does not lift max_change.
    expect(guardPlan(p, { journalCount: 60, remoteCount: 60, maxDelete: 1, maxChange: 0.5, configured }).ok).toBe(false);
    const deletions = plan({ trash: 40 });
    expect(guardPlan(deletions, { journalCount: 60, remoteCount: 60, maxDelete: 1, maxChange: 1, configured })).toEqual({
      ok: true,
      flagged: expect.stringContaining('max_delete = 50%'),
    });
    expect(guardPlan(plan({ download: 5 }), { journalCount: 60, remoteCount: 60, maxDelete: 1, maxChange: 1, configured })).toEqual({ ok: true });
  });
});
