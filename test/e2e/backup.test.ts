import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { makeWorkspace, readTree, requestsOf, runCli, type Workspace } from '../helpers/workspace.js';

// Issue #3: `qjournal sync` (download direction) of the built CLI against the emulator.
const emu = useEmulator();
beforeEach(() => emu.reset());

const BUCKET = {
  'readme.txt': 'hello',
  'photos/2024/beach.jpg': 'jpeg-bytes',
  'docs/年度报告.txt': '中文内容',
  'with space/a b.txt': 'spaces',
  'odd/q?h#a&p+pct%20.txt': 'odd characters',
  'empty.bin': '',
};

describe('sync (download)', () => {
  it('backs up nested, unicode, space, ?#&+% keys and a 0-byte file; a second run transfers nothing', async () => {
    emu.seed(BUCKET);
    const ws = await makeWorkspace(emu);
    const first = await ws.run('sync');
    expect(first.stderr).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} \[INFO\] Getting readme\.txt$/m);
    expect(first.code).toBe(0);
    expect(await readTree(ws.root)).toEqual(BUCKET);
    expect(requestsOf(emu, 'download')).toBe(Object.keys(BUCKET).length);

    emu.resetCounters();
    const second = await ws.run('sync');
    expect(second.code).toBe(0);
    expect(requestsOf(emu, 'download', 'head')).toBe(0);
    expect(second.stderr).toMatch(/\[INFO\] Done: 0 downloaded/);
  });

  it('downloads exactly the changed and new files after a remote change', async () => {
    emu.seed(BUCKET);
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    emu.seed({ 'readme.txt': 'hello, changed', 'new/file.txt': 'new' });
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(2);
    const tree = await readTree(ws.root);
    expect(tree['readme.txt']).toBe('hello, changed');
    expect(tree['new/file.txt']).toBe('new');
  });

  it('downloads a locally deleted file again, and keeps (and reports) a remotely deleted one', async () => {
    emu.seed(BUCKET);
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.rm(path.join(ws.root, 'photos/2024/beach.jpg'));
    emu.deleteObject('readme.txt');
    emu.resetCounters();
    const status = await ws.run('status', '--json');
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'photos/2024/beach.jpg', state: 'local-deleted', action: 'download' }),
        expect.objectContaining({ key: 'readme.txt', state: 'remote-deleted', action: null }),
      ]),
    );
    expect(requestsOf(emu, 'download')).toBe(0);

    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    const tree = await readTree(ws.root);
    expect(tree['photos/2024/beach.jpg']).toBe('jpeg-bytes');
    expect(tree['readme.txt']).toBe('hello');
  });

  it('never overwrites a local edit: keep-both keeps both versions', async () => {
    emu.seed({ 'notes.txt': 'v1' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.writeFile(path.join(ws.root, 'notes.txt'), 'local edit');
    emu.seed({ 'notes.txt': 'remote edit' });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    const contents = Object.values(await readTree(ws.root)).sort();
    expect(contents).toEqual(['local edit', 'remote edit']);
    expect((await readTree(ws.root))['notes.txt']).toBe('remote edit');
  });

  it('keeps hostile keys inside the root and never touches the journal', async () => {
    emu.seed({
      '../evil.txt': 'evil-1',
      'a/../../evil2.txt': 'evil-2',
      '/abs.txt': 'abs',
      '.qjournal/journal.db': 'not a database',
      './dot.txt': 'dot',
      'x': 'file x',
      'x/y': 'file under x',
    });
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    const outside = await fsp.readdir(ws.dir);
    expect(outside.sort()).toEqual(['backup', 'config.ini']);
    const tree = await readTree(ws.root);
    expect(Object.values(tree).sort()).toEqual(['abs', 'dot', 'evil-1', 'evil-2', 'file under x', 'file x', 'not a database'].sort());
    // The journal is still a journal: a second run reads it and does nothing.
    emu.resetCounters();
    const again = await ws.run('sync');
    expect(again.code).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(0);
  });

  it('wrong credentials: exit 4 and nothing on disk changes', async () => {
    emu.seed(BUCKET);
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync', '--direction', 'down');
    expect(run.code, run.stderr).toBe(0);
    const before = await readTree(ws.dir, { includeState: true });
    const bad = await runWithEnv(ws, { QINIU_SECRET_KEY: 'wrong-secret' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).not.toContain('wrong-secret');
    expect(await readTree(ws.dir, { includeState: true })).toEqual(before);
  });

  it('wrong credentials on a fresh workspace create nothing', async () => {
    emu.seed(BUCKET);
    const ws = await makeWorkspace(emu);
    const bad = await runWithEnv(ws, { QINIU_SECRET_KEY: 'wrong-secret' });
    expect(bad.code).toBe(4);
    expect(await fsp.readdir(ws.dir)).toEqual(['config.ini']);
  });

  it('bad config: exit 3 naming file, section and key', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'sideways', concurrency: 'many' } });
    const run = await ws.run('sync');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(ws.configPath);
    expect(run.stderr).toMatch(/\[sync\] direction/);
    expect(run.stderr).toMatch(/\[sync\] concurrency/);
  });

  it('a corrupt download never lands at its final path', async () => {
    emu.seed({ 'good.txt': 'good', 'bad.txt': 'original' });
    emu.corruptObject('bad.txt');
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/\[ERROR\] Failed download bad\.txt: .*hash/);
    const tree = await readTree(ws.root);
    expect(tree).toEqual({ 'good.txt': 'good' });
  });

  it('retries transient 503s and truncated bodies, and finishes', async () => {
    emu.seed({ 'a.txt': 'aaaa', 'b.txt': 'bbbb' });
    emu.addFault({ route: 'download', status: 503, times: 2 });
    emu.addFault({ route: 'download', truncate: true, times: 1 });
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(await readTree(ws.root)).toEqual({ 'a.txt': 'aaaa', 'b.txt': 'bbbb' });
  });

  it('retries failed listing pages (and the access check) instead of giving up the run', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) objects[`k/${String(i).padStart(5, '0')}`] = `v${i}`;
    emu.seed(objects);
    // The first page, which is also the access check, fails once; the second page (the third list request, after
    // the first and its retry) then fails twice in a row.
    emu.addFault({ route: 'list', status: 599, times: 1 });
    emu.addFault({ route: 'list', status: 503, skip: 2, times: 2 });
    const ws = await makeWorkspace(emu, { sync: { concurrency: '16' } });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    // 3 pages (1000 + 1000 + 500): the first asked twice, the second 3 times.
    expect(requestsOf(emu, 'list')).toBe(6);
    expect(Object.keys(await readTree(ws.root))).toHaveLength(2500);
  });

  it('pages a 2,500-key bucket to the end', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) objects[`k/${String(i).padStart(5, '0')}`] = `v${i}`;
    emu.seed(objects);
    const ws = await makeWorkspace(emu, { sync: { concurrency: '16' } });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'list')).toBeGreaterThanOrEqual(3);
    expect(await readTree(ws.root)).toEqual(objects);
  });
});

describe('private bucket', () => {
  let priv: Emulator;
  beforeAll(async () => {
    priv = await startEmulator({ port: 0, private: true });
  });
  afterAll(async () => {
    await priv?.close();
  });

  it('downloads with signed URLs', async () => {
    priv.seed({ 'secret/plan.txt': 'classified' });
    const ws = await makeWorkspace(priv, { bucket: { private: 'true' } });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(await readTree(ws.root)).toEqual({ 'secret/plan.txt': 'classified' });
  });

  it('fails (exit 5) when the config says public but the bucket is private', async () => {
    priv.seed({ 'secret/plan.txt': 'classified' });
    const ws = await makeWorkspace(priv, { bucket: { private: 'false' } });
    const run = await ws.run('sync');
    expect(run.code).toBe(5);
    expect(await readTree(ws.root)).toEqual({});
  });
});

function runWithEnv(ws: Workspace, env: Record<string, string>) {
  return runCli(['sync', '--config', ws.configPath], { env: { ...ws.env, ...env }, cwd: ws.dir });
}
