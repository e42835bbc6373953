import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { CLI, makeWorkspace } from '../helpers/workspace.js';

// "Durable before the journal says so" (issue #14), seen in the system calls of the built CLI under strace: a
// downloaded file is renamed into its folder, that folder is fsynced, and only then does a journal write name the key.
// Without the folder's fsync a power cut could keep the journal's row and lose the rename (POSIX, and ext4 without a
// journal, promise nothing more), and the next run would take the missing file for a local deletion. The same holds
// for every other rename the journal vouches for: old bytes moved into the version store (before the live file is
// replaced: they may exist nowhere else), local moves, conflict copies, restored files.
const emu = useEmulator();
beforeEach(() => emu.reset());

interface Call {
  name: string;
  line: string;
}

/** `qjournal sync` (or `qjournal <args>`) under `strace -f`: the renames, mkdirs, fsyncs (fd paths shown by -y) and SQLite's pwrite64 (their bytes). */
async function traceRun(configPath: string, env: Record<string, string>, traceFile: string, args = ['sync']): Promise<Call[]> {
  const code = await new Promise<number>((resolve, reject) => {
    const calls = 'trace=rename,renameat,renameat2,mkdir,mkdirat,fsync,fdatasync,pwrite64';
    const strace = ['-f', '-qq', '-y', '-s', '65536', '-o', traceFile, '-e', calls];
    const child = spawn('strace', [...strace, process.execPath, CLI, ...args, '--config', configPath], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  expect(code).toBe(0);
  return (await fsp.readFile(traceFile, 'utf8'))
    .split('\n')
    .map((line) => ({ name: /^(?:\d+\s+)?(\w+)\(/.exec(line)?.[1] ?? '', line }))
    .filter((c) => c.name !== '');
}

/** The quoted path arguments of a call (`"…"`), and the `<path>` strace -y gives a file descriptor. */
const quoted = (line: string) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
const fdPath = (line: string) => /^\S*\s*\w+\(\d+<([^>]*)>/.exec(line.replace(/^\d+\s+/, ''))?.[1];

/** The first index after `after` where `match` holds, or -1. */
function indexAfter(calls: Call[], after: number, match: (c: Call) => boolean): number {
  const i = calls.slice(after + 1).findIndex(match);
  return i === -1 ? -1 : after + 1 + i;
}

const isFsyncOf = (dir: string) => (c: Call) => (c.name === 'fsync' || c.name === 'fdatasync') && fdPath(c.line) === dir;
const isJournalWriteOf = (key: string) => (c: Call) => c.name === 'pwrite64' && Boolean(fdPath(c.line)?.endsWith('journal.db-wal')) && c.line.includes(key);

/**
 * `key` was renamed into place, then its folder fsynced, then (and not before) a journal write named it. `marker` is
 * what only its new row holds (the key when it is new; its new hash when its row exists already: a journal page holds
 * the rows of several keys, and writing one writes all their names). Returns the rename's index.
 */
function expectDurableBeforeJournaled(calls: Call[], root: string, key: string, marker = key): number {
  const finalPath = path.join(root, key);
  const renamed = calls.findIndex((c) => c.name.startsWith('rename') && quoted(c.line).at(-1) === finalPath);
  expect(renamed, `${key} renamed into place`).toBeGreaterThan(-1);
  const journaled = indexAfter(calls, renamed, isJournalWriteOf(marker));
  expect(journaled, `${key} journaled after its rename`).toBeGreaterThan(-1);
  const folderSynced = indexAfter(calls, renamed, isFsyncOf(path.dirname(finalPath)));
  expect(folderSynced, `${key}: its folder fsynced after the rename`).toBeGreaterThan(renamed);
  expect(folderSynced, `${key}: its folder fsynced before the journal names it`).toBeLessThan(journaled);
  return renamed;
}

const isRenameOf = (from: string, to: (dest: string) => boolean = () => true) => (c: Call) =>
  c.name.startsWith('rename') && quoted(c.line)[0] === from && to(quoted(c.line).at(-1) ?? '');
const isMkdirOf = (dir: string) => (c: Call) => c.name.startsWith('mkdir') && quoted(c.line).at(-1) === dir;
const isJournalWrite = (c: Call) => c.name === 'pwrite64' && Boolean(fdPath(c.line)?.endsWith('journal.db-wal'));

/** After the call at `at` (a rename), each of `folders` is fsynced before the call `before` matches next. */
function expectSyncedAfter(calls: Call[], at: number, folders: string[], before: (c: Call) => boolean, what: string): void {
  expect(at, what).toBeGreaterThan(-1);
  const next = indexAfter(calls, at, before);
  expect(next, `something follows ${what}`).toBeGreaterThan(-1);
  for (const dir of folders) {
    const synced = indexAfter(calls, at, isFsyncOf(dir));
    expect(synced, `${dir} fsynced after ${what}`).toBeGreaterThan(at);
    expect(synced, `${dir} fsynced after ${what}, in time`).toBeLessThan(next);
  }
}

describe('a download is durable before the journal names it', () => {
  it('new files: rename into place, fsync of its folder (and of each folder a new folder went into), then the first journal write of its key', async () => {
    const small = { 'a/one.txt': 'one', 'a/two.txt': 'two', 'x/y/z/deep.txt': 'deep' };
    emu.seed({ ...small, 'b/c/big.bin': Buffer.alloc(3 << 20, 7) });
    const ws = await makeWorkspace(emu);
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'sync.strace'));
    const root = await fsp.realpath(ws.root);

    for (const key of [...Object.keys(small), 'b/c/big.bin']) {
      const renamed = expectDurableBeforeJournaled(calls, root, key);
      expect(calls.slice(0, renamed).some(isJournalWriteOf(key)), `no journal write names ${key} before it is in place`).toBe(false);
      const journaled = indexAfter(calls, renamed, isJournalWriteOf(key));
      // Each folder made for it (b, b/c; x, x/y, x/y/z) is an entry of its parent: that parent is fsynced too, in time.
      for (let dir = path.dirname(path.join(root, key)); dir !== root; dir = path.dirname(dir)) {
        const made = calls.findIndex((c) => c.name.startsWith('mkdir') && quoted(c.line).at(-1) === dir);
        expect(made, `${dir} made`).toBeGreaterThan(-1);
        const parentSynced = indexAfter(calls, made, isFsyncOf(path.dirname(dir)));
        expect(parentSynced, `${path.dirname(dir)} fsynced after ${dir} was made`).toBeGreaterThan(made);
        expect(parentSynced, `… and before the journal names ${key}`).toBeLessThan(journaled);
      }
    }
  });

  it('a replaced file (the object changed in the bucket): the same order', async () => {
    emu.seed({ 'a/one.txt': 'one', 'b/big.bin': Buffer.alloc(2 << 20, 1) });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    emu.seed({ 'a/one.txt': 'one, changed', 'b/big.bin': Buffer.alloc(2 << 20, 2) });
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'again.strace'));
    const root = await fsp.realpath(ws.root);
    for (const key of ['a/one.txt', 'b/big.bin']) {
      const newHash = emu.objects().get(key)!.hash;
      const renamed = expectDurableBeforeJournaled(calls, root, key, newHash);
      expect(calls.slice(0, renamed).some(isJournalWriteOf(newHash)), `no journal write holds ${key}'s new hash before it is in place`).toBe(false);
    }
    expect(await fsp.readFile(path.join(root, 'a/one.txt'), 'utf8')).toBe('one, changed');

    // The old bytes went into the version store first, and may now exist nowhere else: their new name is durable (the
    // store folder fsynced, and the folders that gained a new store folder) before the live file is replaced.
    const store = path.join(root, '.qjournal/versions');
    for (const key of ['a/one.txt', 'b/big.bin']) {
      const kept = calls.findIndex(isRenameOf(path.join(root, key), (dest) => dest.startsWith(store + path.sep)));
      const replaced = isRenameOf(partOf(calls, root, key));
      const shard = path.dirname(quoted(calls[kept]?.line ?? '').at(-1) ?? '');
      expectSyncedAfter(calls, kept, [shard], replaced, `${key} kept in the store`);
      const madeShard = calls.findIndex((c) => c.name.startsWith('mkdir') && quoted(c.line).at(-1) === shard);
      if (madeShard !== -1) expectSyncedAfter(calls, madeShard, [store], replaced, `${shard} made`);
    }
    const madeStore = calls.findIndex((c) => c.name.startsWith('mkdir') && quoted(c.line).at(-1) === store);
    expectSyncedAfter(calls, madeStore, [path.dirname(store)], isRenameOf(partOf(calls, root, 'a/one.txt')), `${store} made`);
  });
});

/** The partial file renamed onto `key`'s final path. */
function partOf(calls: Call[], root: string, key: string): string {
  const finalPath = path.join(root, key);
  return quoted(calls.find((c) => c.name.startsWith('rename') && quoted(c.line).at(-1) === finalPath)?.line ?? '')[0] ?? '';
}

describe('other renames are durable before the journal hears of them', () => {
  it('a file deleted in the bucket (deletes = mirror): moved into the store, both folders fsynced, then journaled', async () => {
    emu.seed({ 'a/one.txt': 'one', 'a/two.txt': 'two' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'down', deletes: 'mirror' } });
    expect((await ws.run('sync')).code).toBe(0);
    emu.deleteObject('a/one.txt');
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'trash.strace'));
    const root = await fsp.realpath(ws.root);
    const store = path.join(root, '.qjournal/versions');
    const kept = calls.findIndex(isRenameOf(path.join(root, 'a/one.txt'), (dest) => dest.startsWith(store + path.sep)));
    const shard = path.dirname(quoted(calls[kept]?.line ?? '').at(-1) ?? '');
    // The store holds its name, and the old folder no longer does (a name a power cut brought back would be uploaded
    // again as a new local file), before the journal forgets the key.
    expectSyncedAfter(calls, kept, [shard, path.join(root, 'a')], isJournalWrite, 'a/one.txt moved into the store');
    for (const made of [store, shard]) {
      const at = calls.findIndex((c) => c.name.startsWith('mkdir') && quoted(c.line).at(-1) === made);
      expectSyncedAfter(calls, at, [path.dirname(made)], isJournalWrite, `${made} made`);
    }
    expect(await fsp.readdir(path.join(root, 'a'))).toEqual(['two.txt']);
  });

  it('a rename in the bucket followed locally: both folders fsynced before the journal records the move', async () => {
    emu.seed({ 'docs/report.pdf': 'pdf bytes '.repeat(1000) });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    expect((await ws.run('sync')).code).toBe(0);
    emu.renameObject('docs/report.pdf', 'docs/2024/report-final.pdf');
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'move.strace'));
    const root = await fsp.realpath(ws.root);
    const moved = calls.findIndex(isRenameOf(path.join(root, 'docs/report.pdf')));
    expect(quoted(calls[moved]?.line ?? '').at(-1)).toBe(path.join(root, 'docs/2024/report-final.pdf'));
    expectSyncedAfter(calls, moved, [path.join(root, 'docs'), path.join(root, 'docs/2024')], isJournalWrite, 'the local move');
  });

  it('a conflict (keep-both): the local copy renamed aside is durable before the journal records it', async () => {
    emu.seed({ 'plan.txt': 'original' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', conflict: 'keep-both' } });
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.writeFile(path.join(ws.root, 'plan.txt'), 'edited here');
    emu.seed({ 'plan.txt': 'edited there' });
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'conflict.strace'));
    const root = await fsp.realpath(ws.root);
    const aside = calls.findIndex(isRenameOf(path.join(root, 'plan.txt'), (dest) => dest !== path.join(root, 'plan.txt')));
    expectSyncedAfter(calls, aside, [root], isJournalWrite, 'the conflict copy renamed aside');
  });

  it('restore --version: the restored file is durable before the run is recorded as done', async () => {
    emu.seed({ 'a/one.txt': 'one' });
    const oldHash = emu.objects().get('a/one.txt')!.hash;
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    emu.seed({ 'a/one.txt': 'one, changed' });
    expect((await ws.run('sync')).code).toBe(0);
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'restore.strace'), ['restore', 'a/one.txt', '--version', oldHash]);
    const root = await fsp.realpath(ws.root);
    const restored = calls.findIndex((c) => c.name.startsWith('rename') && quoted(c.line).at(-1) === path.join(root, 'a/one.txt'));
    expectSyncedAfter(calls, restored, [path.join(root, 'a')], isJournalWrite, 'the restored file renamed into place');
    expect(await fsp.readFile(path.join(root, 'a/one.txt'), 'utf8')).toBe('one');

    // --to a new file, copied out of the store: the same.
    const to = path.join(await fsp.realpath(ws.dir), 'elsewhere/one.txt');
    const copied = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'restore-to.strace'), ['restore', 'a/one.txt', '--version', oldHash, '--to', to]);
    const landed = copied.findIndex((c) => c.name.startsWith('rename') && quoted(c.line).at(-1) === to);
    expectSyncedAfter(copied, landed, [path.dirname(to)], isJournalWrite, `the copy renamed to ${to}`);
    // `elsewhere/` was made for it: an entry of its parent, fsynced too.
    expectSyncedAfter(copied, copied.findIndex(isMkdirOf(path.dirname(to))), [path.dirname(path.dirname(to))], isJournalWrite, 'the folder made for --to');
    expect(await fsp.readFile(to, 'utf8')).toBe('one');
  });

  it('restore --at --to a new folder: every folder it makes is fsynced into its parent before the run is recorded', async () => {
    emu.seed({ 'top.txt': 'top', 'a/one.txt': 'one', 'a/b/two.txt': 'two' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    const at = new Date().toISOString();
    const dir = path.join(await fsp.realpath(ws.dir), 'rebuilt/tree');
    const calls = await traceRun(ws.configPath, ws.env, path.join(ws.dir, 'tree.strace'), ['restore', '--at', at, '--to', dir]);
    for (const made of [path.join(dir, '..'), dir, path.join(dir, 'a'), path.join(dir, 'a/b')].map((d) => path.resolve(d))) {
      expectSyncedAfter(calls, calls.findIndex(isMkdirOf(made)), [path.dirname(made)], isJournalWrite, `${made} made`);
    }
    expect(await fsp.readFile(path.join(dir, 'a/b/two.txt'), 'utf8')).toBe('two');
  });
});
