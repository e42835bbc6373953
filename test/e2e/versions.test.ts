import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { bucketContents, localTree, makeWorkspace, readTree, type Workspace } from '../helpers/workspace.js';

// Issue #12: point-in-time backup — no sync destroys a version it backed up; versions, restore --at, prune, the
// mass-change guard. The built CLI against the emulator.
const emu = useEmulator();
beforeEach(() => emu.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An instant strictly between what ran before and what runs after. */
async function instant(): Promise<string> {
  await sleep(5);
  const at = new Date().toISOString();
  await sleep(5);
  return at;
}

async function sync(ws: Workspace, ...args: string[]): Promise<void> {
  const run = await ws.run('sync', ...args);
  expect(run.code, run.stderr).toBe(0);
}

async function versionsOf(ws: Workspace, key: string) {
  const run = await ws.run('versions', key, '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { key: string; versions: { hash: string; fsize: number; since: string; until: string | null; origin: string | null; where: string }[] };
}

/** Files of the local version store, relative path → sha1 of the content. */
async function storeFiles(ws: Workspace): Promise<Record<string, string>> {
  const all = await readTree(ws.root, { includeState: true });
  return Object.fromEntries(
    Object.entries(all)
      .filter(([p]) => p.startsWith('.qjournal/versions/'))
      .map(([p, v]) => [p, createHash('sha1').update(v).digest('hex')]),
  );
}

function trashObjects(): Record<string, string> {
  return Object.fromEntries(Object.entries(bucketContents(emu)).filter(([k]) => k.startsWith('.qjournal-trash/')));
}

function userObjects(): Record<string, string> {
  return Object.fromEntries(Object.entries(bucketContents(emu)).filter(([k]) => !k.startsWith('.qjournal-trash/')));
}

async function lastRunId(ws: Workspace): Promise<number> {
  const log = await ws.run('log', '--json', '--limit', '1');
  return (JSON.parse(log.stdout) as { runs: { id: number }[] }).runs[0].id;
}

describe('versions', () => {
  it('someone overwrites 2 of 10 objects: the new bytes come down, both versions are listed, restore --at brings the old back', async () => {
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`doc${i}.txt`, `original ${i}`]));
    emu.seed(files);
    const ws = await makeWorkspace(emu);
    await sync(ws);
    const before = await instant();
    emu.seed({ 'doc3.txt': 'overwritten 3', 'doc7.txt': 'overwritten 7!' });
    await sync(ws);
    expect(await readTree(ws.root)).toEqual({ ...files, 'doc3.txt': 'overwritten 3', 'doc7.txt': 'overwritten 7!' });

    for (const [key, now] of [['doc3.txt', 'overwritten 3'], ['doc7.txt', 'overwritten 7!']]) {
      const { versions } = await versionsOf(ws, key);
      expect(versions).toEqual([
        expect.objectContaining({ fsize: now.length, until: null, origin: null, where: 'root', hash: emu.objects().get(key)!.hash }),
        expect.objectContaining({ fsize: files[key].length, until: versions[0].since, origin: 'remote-overwrite', where: 'store' }),
      ]);
      expect(Date.parse(versions[1].since)).toBeLessThan(Date.parse(before));
    }
    const restore = await ws.run('restore', 'doc3.txt', '--at', before);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'doc3.txt'), 'utf8')).toBe('original 3');
    // The file it replaced became a version itself: nothing was lost either way.
    expect((await versionsOf(ws, 'doc3.txt')).versions.map((v) => v.where)).toEqual(['root', 'store']);
    const byHash = await ws.run('restore', 'doc7.txt', '--version', (await versionsOf(ws, 'doc7.txt')).versions[1].hash, '--to', path.join(ws.dir, 'old7.txt'));
    expect(byHash.code, byHash.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.dir, 'old7.txt'), 'utf8')).toBe('original 7');
  });

  it('ransomware overwrites 40 of 60 objects: sync refuses (exit 6, nothing changed); --max-change 100% applies; restore --at rebuilds all 60', async () => {
    const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${i % 3 === 0 ? 'photos' : 'docs'}/f${String(i).padStart(2, '0')}.txt`, `good bytes ${i} `.repeat(i + 1)]));
    emu.seed(files);
    const ws = await makeWorkspace(emu);
    await sync(ws);
    const before = await instant();
    const keys = Object.keys(files);
    for (const key of keys.slice(0, 35)) emu.seed({ [key]: `ENCRYPTED ${key}` });
    // Some are also renamed: the encrypted copy under a new name, the original gone.
    for (const key of keys.slice(35, 40)) {
      emu.deleteObject(key);
      emu.seed({ [`${key}.locked`]: `ENCRYPTED ${key}` });
    }
    const treeBefore = await readTree(ws.root);
    const refused = await ws.run('sync');
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/overwrite or delete 35 of 60 .*max_change = 50%.*most in (docs|photos)\/ \(\d+\), (docs|photos)\/ \(\d+\)/);
    expect(await readTree(ws.root)).toEqual(treeBefore);
    expect(await storeFiles(ws)).toEqual({});

    const accepted = await ws.run('sync', '--max-change', '100%');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect((await readTree(ws.root))[keys[0]]).toBe(`ENCRYPTED ${keys[0]}`);

    const rebuild = async (dir: string) => {
      const run = await ws.run('restore', '--at', before, '--to', dir);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(await readTree(dir)).toEqual(files);
    };
    await rebuild(path.join(ws.dir, 'rebuilt'));
    // Retention never prunes the versions a flagged run replaced, even with a policy that keeps nothing.
    await ws.writeConfig({ versions: { keep_replaced: '0' } });
    const prune = await ws.run('prune');
    expect(prune.code, prune.stderr).toBe(0);
    await rebuild(path.join(ws.dir, 'rebuilt-after-prune'));
  });

  it('three runs with adds, edits and deletions on both sides: restore --at each run gives exactly that run\'s tree', async () => {
    emu.seed({ 'a.txt': 'a1', 'b.txt': 'b1', 'dir/c.txt': 'c1' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', deletes: 'mirror' } });
    const states: { run: number; at: string; tree: Record<string, string> }[] = [];
    const record = async () => {
      await sync(ws);
      states.push({ run: await lastRunId(ws), at: await instant(), tree: await readTree(ws.root) });
    };
    await record();
    await fsp.writeFile(path.join(ws.root, 'a.txt'), 'a2 local edit');
    await fsp.rm(path.join(ws.root, 'b.txt'));
    emu.seed({ 'dir/c.txt': 'c2 remote edit', 'd.txt': 'd2 new remote' });
    await localTree(ws.root, { 'e.txt': 'e2 new local' });
    await record();
    emu.deleteObject('a.txt');
    emu.seed({ 'd.txt': 'd3 remote edit' });
    await fsp.writeFile(path.join(ws.root, 'dir/c.txt'), 'c3 local edit');
    await fsp.rm(path.join(ws.root, 'e.txt'));
    await localTree(ws.root, { 'f.txt': 'f3' });
    await record();
    expect(states.map((s) => s.tree)).toEqual([
      { 'a.txt': 'a1', 'b.txt': 'b1', 'dir/c.txt': 'c1' },
      { 'a.txt': 'a2 local edit', 'dir/c.txt': 'c2 remote edit', 'd.txt': 'd2 new remote', 'e.txt': 'e2 new local' },
      { 'dir/c.txt': 'c3 local edit', 'd.txt': 'd3 remote edit', 'f.txt': 'f3' },
    ]);
    for (const [i, state] of states.entries()) {
      for (const at of [`#${state.run}`, state.at]) {
        const dir = path.join(ws.dir, `at-${i}-${at.replace(/[^0-9a-z]/gi, '')}`);
        const run = await ws.run('restore', '--at', at, '--to', dir);
        expect(run.code, run.stderr).toBe(0);
        expect(await readTree(dir), `run ${i + 1} at ${at}`).toEqual(state.tree);
      }
    }
    // A prefix restores only that part of the tree.
    const dirOnly = path.join(ws.dir, 'prefix');
    expect((await ws.run('restore', '--at', `#${states[0].run}`, '--prefix', 'dir/', '--to', dirOnly)).code).toBe(0);
    expect(await readTree(dirOnly)).toEqual({ 'dir/c.txt': 'c1' });
    // DIR must be new or empty.
    const full = await ws.run('restore', '--at', `#${states[0].run}`, '--to', dirOnly);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/not empty/);
  });

  it('a local edit uploaded over an object: the previous object is kept in the bucket\'s trash and restore --at gets it back', async () => {
    emu.seed({ 'plan.txt': 'the plan v1', 'other.txt': 'x' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    await sync(ws);
    const before = await instant();
    await fsp.writeFile(path.join(ws.root, 'plan.txt'), 'the plan v2, edited locally');
    await sync(ws);
    expect(userObjects()['plan.txt']).toBe('the plan v2, edited locally');
    expect(Object.values(trashObjects())).toEqual(['the plan v1']);
    expect((await versionsOf(ws, 'plan.txt')).versions).toEqual([
      expect.objectContaining({ until: null, where: 'root' }),
      expect.objectContaining({ origin: 'local-edit', where: 'bucket-trash' }),
    ]);
    const run = await ws.run('restore', 'plan.txt', '--at', before, '--to', path.join(ws.dir, 'plan-v1.txt'));
    expect(run.code, run.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.dir, 'plan-v1.txt'), 'utf8')).toBe('the plan v1');
  });

  it('prune --dry-run changes nothing; prune removes exactly what the policy says, on both sides', async () => {
    emu.seed({ 'replaced-remote.txt': 'r1', 'edited-local.txt': 'l1', 'deleted.txt': 'd1', 'same.txt': 's' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', deletes: 'mirror' } });
    await sync(ws);
    const before = await instant();
    emu.seed({ 'replaced-remote.txt': 'r2' });
    await fsp.writeFile(path.join(ws.root, 'edited-local.txt'), 'l2');
    emu.deleteObject('deleted.txt');
    await sync(ws);
    const store = await storeFiles(ws);
    const trash = trashObjects();
    expect(Object.keys(store)).toHaveLength(2); // r1 (replaced) and d1 (deleted)
    expect(Object.values(trash)).toEqual(['l1']);

    // Replaced versions expire at once; deleted ones are kept forever.
    await ws.writeConfig({ versions: { keep_replaced: '0', keep_deleted: 'forever' } });
    const dry = await ws.run('prune', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout);
    expect(planned.versions.map((v: { key: string }) => v.key).sort()).toEqual(['edited-local.txt', 'replaced-remote.txt']);
    expect(planned).toMatchObject({ dryRun: true, storeFiles: 1, trashObjects: 1, freedBytes: 4 });
    expect(await storeFiles(ws)).toEqual(store);
    expect(trashObjects()).toEqual(trash);

    const prune = await ws.run('prune');
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/Freed 4 B: 2 version\(s\), 1 file\(s\) in the local store, 1 object\(s\) in the bucket's trash/);
    const d1 = createHash('sha1').update('d1').digest('hex');
    expect(Object.values(await storeFiles(ws))).toEqual([d1]);
    expect(trashObjects()).toEqual({});
    expect((await versionsOf(ws, 'replaced-remote.txt')).versions.map((v) => v.where)).toEqual(['root', 'gone']);
    expect((await versionsOf(ws, 'deleted.txt')).versions.map((v) => v.where)).toEqual(['store']);
    // Nothing more to prune.
    expect(JSON.parse((await ws.run('prune', '--json')).stdout).versions).toEqual([]);

    // The tree as it was is now incomplete: the pruned files are listed and the exit code says so.
    const dir = path.join(ws.dir, 'then');
    const run = await ws.run('restore', '--at', before, '--to', dir);
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/^missing: edited-local\.txt /m);
    expect(run.stdout).toMatch(/^missing: replaced-remote\.txt /m);
    expect(await readTree(dir)).toEqual({ 'deleted.txt': 'd1', 'same.txt': 's' });
  });

  it('the same bytes kept twice are stored once', async () => {
    emu.seed({ 'one.txt': 'shared bytes', 'two.txt': 'shared bytes', 'three.txt': 'other' });
    const ws = await makeWorkspace(emu);
    await sync(ws);
    emu.seed({ 'one.txt': 'new 1', 'two.txt': 'new 2' });
    await sync(ws);
    // one.txt goes back and forth: its old bytes are kept again, still once.
    emu.seed({ 'one.txt': 'shared bytes' });
    await sync(ws);
    emu.seed({ 'one.txt': 'new 1' });
    await sync(ws);
    const sha = (s: string) => createHash('sha1').update(s).digest('hex');
    expect(Object.values(await storeFiles(ws)).sort()).toEqual([sha('new 1'), sha('shared bytes')].sort());
    expect((await versionsOf(ws, 'one.txt')).versions.map((v) => [v.origin, v.where])).toEqual([
      [null, 'root'],
      ['remote-overwrite', 'store'],
      ['remote-overwrite', 'store'],
      ['remote-overwrite', 'store'],
    ]);
    expect((await versionsOf(ws, 'two.txt')).versions.map((v) => v.where)).toEqual(['root', 'store']);
    const status = await ws.run('status', '--json');
    expect(JSON.parse(status.stdout).versions).toMatchObject({ storeFiles: 2, storeBytes: 'shared bytes'.length + 'new 1'.length });
  });

  it('a kept file that fails its qetag is never restored as good', async () => {
    emu.seed({ 'a.txt': 'good old bytes', 'b.txt': 'b' });
    const ws = await makeWorkspace(emu);
    await sync(ws);
    const before = await instant();
    emu.seed({ 'a.txt': 'new bytes' });
    await sync(ws);
    const [stored] = Object.keys(await storeFiles(ws));
    await fsp.writeFile(path.join(ws.root, stored), 'bit rot!');
    const one = await ws.run('restore', 'a.txt', '--at', before, '--to', path.join(ws.dir, 'a-old.txt'));
    expect(one.code).toBe(8);
    expect(one.stderr).toMatch(/bytes of a\.txt version .* are gone/);
    await expect(fsp.lstat(path.join(ws.dir, 'a-old.txt'))).rejects.toThrow();
    const dir = path.join(ws.dir, 'tree');
    const tree = await ws.run('restore', '--at', before, '--to', dir);
    expect(tree.code).toBe(5);
    expect(tree.stdout).toMatch(/^missing: a\.txt /m);
    expect(await readTree(dir)).toEqual({ 'b.txt': 'b' });
  });

  it('the local trash of an older qjournal becomes versions with origin "deleted"', async () => {
    emu.seed({ 'a.txt': 'a' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    await sync(ws);
    await localTree(path.join(ws.root, '.qjournal', 'trash'), { '20260101-120000/old/gone.txt': 'trashed long ago' });
    await sync(ws);
    await expect(fsp.lstat(path.join(ws.root, '.qjournal', 'trash'))).rejects.toThrow();
    expect((await versionsOf(ws, 'old/gone.txt')).versions).toEqual([
      expect.objectContaining({ origin: 'deleted', where: 'store', until: '2026-01-01T12:00:00.000Z' }),
    ]);
    // restore puts it back in the bucket from the store (it is missing on both sides).
    const run = await ws.run('restore', 'old/gone.txt');
    expect(run.code, run.stderr).toBe(0);
    expect(emu.getObject('old/gone.txt')!.toString()).toBe('trashed long ago');
  });
});
