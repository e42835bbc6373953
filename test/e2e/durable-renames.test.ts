import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { CLI, makeWorkspace } from '../helpers/workspace.js';

// "Durable before the journal says so" (issue #14), seen in the system calls of the built CLI under strace: a
// downloaded file is renamed into its folder, that folder is fsynced, and only then does a journal write name the key.
// Without the folder's fsync a power cut could keep the journal's row and lose the rename (POSIX, and ext4 without a
// journal, promise nothing more), and the next run would take the missing file for a local deletion.
const emu = useEmulator();
beforeEach(() => emu.reset());

interface Call {
  name: string;
  line: string;
}

/** `qjournal sync` under `strace -f`: the renames, mkdirs, fsyncs (fd paths shown by -y) and SQLite's pwrite64 (their bytes). */
async function traceSync(configPath: string, env: Record<string, string>, traceFile: string): Promise<Call[]> {
  const code = await new Promise<number>((resolve, reject) => {
    const calls = 'trace=rename,renameat,renameat2,mkdir,mkdirat,fsync,fdatasync,pwrite64';
    const strace = ['-f', '-qq', '-y', '-s', '65536', '-o', traceFile, '-e', calls];
    const child = spawn('strace', [...strace, process.execPath, CLI, 'sync', '--config', configPath], {
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

/** `key` was renamed into place, then its folder fsynced, then (and not before) a journal write named it. Returns the rename's index. */
function expectDurableBeforeJournaled(calls: Call[], root: string, key: string): number {
  const finalPath = path.join(root, key);
  const renamed = calls.findIndex((c) => c.name.startsWith('rename') && quoted(c.line).at(-1) === finalPath);
  expect(renamed, `${key} renamed into place`).toBeGreaterThan(-1);
  const journaled = indexAfter(calls, renamed, isJournalWriteOf(key));
  expect(journaled, `${key} journaled after its rename`).toBeGreaterThan(-1);
  const folderSynced = indexAfter(calls, renamed, isFsyncOf(path.dirname(finalPath)));
  expect(folderSynced, `${key}: its folder fsynced after the rename`).toBeGreaterThan(renamed);
  expect(folderSynced, `${key}: its folder fsynced before the journal names it`).toBeLessThan(journaled);
  return renamed;
}

describe('a download is durable before the journal names it', () => {
  it('new files: rename into place, fsync of its folder (and of each folder a new folder went into), then the first journal write of its key', async () => {
    const small = { 'a/one.txt': 'one', 'a/two.txt': 'two', 'x/y/z/deep.txt': 'deep' };
    emu.seed({ ...small, 'b/c/big.bin': Buffer.alloc(3 << 20, 7) });
    const ws = await makeWorkspace(emu);
    const calls = await traceSync(ws.configPath, ws.env, path.join(ws.dir, 'sync.strace'));
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
    const calls = await traceSync(ws.configPath, ws.env, path.join(ws.dir, 'again.strace'));
    const root = await fsp.realpath(ws.root);
    for (const key of ['a/one.txt', 'b/big.bin']) expectDurableBeforeJournaled(calls, root, key);
    expect(await fsp.readFile(path.join(root, 'a/one.txt'), 'utf8')).toBe('one, changed');
  });
});
