import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LockedError } from '../../src/errors.js';
import { acquireLock, observeLock, type HeldLock } from '../../src/journal/lock.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
let lockPath: string;
const held: HeldLock[] = [];

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-lock-'));
  lockPath = path.join(dir, 'lock');
});

afterEach(async () => {
  for (const l of held.splice(0)) await l.release();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function take(opts?: { staleAfterMs?: number }): Promise<HeldLock> {
  const l = await acquireLock(lockPath, opts);
  held.push(l);
  return l;
}

async function writeLock(owner: { pid: number; hostname: string; startedAt: string; token?: string }): Promise<void> {
  await fsp.writeFile(lockPath, JSON.stringify(owner));
}

async function readLock(): Promise<{ pid: number; hostname: string; startedAt: string; token: string }> {
  return JSON.parse(await fsp.readFile(lockPath, 'utf8'));
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** Only the lock itself and the last owner's token may remain: no temp files, no `.break`. */
async function leftovers(): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((n) => n !== 'lock' && n !== 'lock.last');
}

describe('acquireLock', () => {
  it('writes who holds it, and a second acquire is refused naming the holder', async () => {
    const lock = await take();
    const owner = await readLock();
    expect(owner).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    expect(Date.parse(owner.startedAt)).toBeLessThanOrEqual(Date.now());

    const err = await acquireLock(lockPath).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect((err as Error).message).toContain(os.hostname());
    expect((err as Error).message).toContain(owner.startedAt);
    expect((err as Error).message).toContain(lockPath);

    await lock.release();
    await expect(fsp.access(lockPath)).rejects.toThrow();
    await take(); // free again
    expect(await leftovers()).toEqual([]);
  });

  it('takes over a lock whose process on this host is gone', async () => {
    const pid = await deadPid();
    await writeLock({ pid, hostname: os.hostname(), startedAt: new Date().toISOString() });
    await take();
    expect((await readLock()).pid).toBe(process.pid);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps a lock whose process on this host is alive', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeLock({ pid: child.pid!, hostname: os.hostname(), startedAt: new Date().toISOString() });
      await expect(acquireLock(lockPath)).rejects.toThrow(LockedError);
    } finally {
      child.kill();
    }
  });

  it('trusts a lock from another host until it is older than staleAfterMs', async () => {
    const pid = await deadPid(); // dead here, but it is another host's pid: can't tell
    await writeLock({ pid, hostname: 'nas-elsewhere', startedAt: new Date(Date.now() - 60 * 60_000).toISOString() });
    await expect(acquireLock(lockPath)).rejects.toThrow(/pid \d+ on nas-elsewhere/);

    await writeLock({ pid, hostname: 'nas-elsewhere', startedAt: new Date(Date.now() - 25 * 60 * 60_000).toISOString() });
    await take(); // default: 24 h
    await held.pop()!.release();

    await writeLock({ pid, hostname: 'nas-elsewhere', startedAt: new Date(Date.now() - 60 * 60_000).toISOString() });
    await take({ staleAfterMs: 30 * 60_000 });
  });

  it('treats a lock taken before this host booted as stale', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']); // a live pid, as if reused
    try {
      const beforeBoot = new Date(Date.now() - os.uptime() * 1000 - 10 * 60_000).toISOString();
      await writeLock({ pid: child.pid!, hostname: os.hostname(), startedAt: beforeBoot });
      await take();
    } finally {
      child.kill();
    }
  });

  it('holds an unreadable lock for a grace period, then replaces it', async () => {
    await fsp.writeFile(lockPath, '');
    await expect(acquireLock(lockPath)).rejects.toThrow(/unreadable lock file/);
    const old = new Date(Date.now() - 60_000);
    await fsp.utimes(lockPath, old, old);
    await take();
  });

  it('release removes only our own lock', async () => {
    const lock = await take();
    // Someone judged us stale and took over: the file is theirs now.
    const theirs = { pid: 1, hostname: 'other', startedAt: new Date().toISOString(), token: 'theirs' };
    await writeLock(theirs);
    await lock.release();
    expect(await readLock()).toEqual(theirs);
    lock.releaseSync();
    expect(await readLock()).toEqual(theirs);
    held.splice(0);
  });

  it('releaseSync removes our lock without waiting', async () => {
    const lock = await take();
    lock.releaseSync();
    await expect(fsp.access(lockPath)).rejects.toThrow();
    await lock.release(); // idempotent
    held.splice(0);
  });

  it('gives exactly one winner among concurrent acquires in one process', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(lockPath)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockedError);
    held.push((won[0] as PromiseFulfilledResult<HeldLock>).value);
    expect(await leftovers()).toEqual([]);
  });

  it('gives exactly one winner when concurrent acquires all find the same stale lock', async () => {
    await writeLock({ pid: await deadPid(), hostname: os.hostname(), startedAt: new Date().toISOString() });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(lockPath)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    held.push((won[0] as PromiseFulfilledResult<HeldLock>).value);
    expect((await readLock()).token).toBe(held[0].owner.token);
    expect(await leftovers()).toEqual([]);
  });
});

/**
 * Across processes. Children can't import .ts, so lock.ts (and errors.ts, its one import) are transpiled once into a
 * temp folder with the same layout: the children run exactly this code.
 */
describe('observeLock', () => {
  it('tells whether a run holds the lock, and each acquisition names the one before it', async () => {
    expect(await observeLock(lockPath)).toEqual({ held: false, lastToken: null });
    const first = await take();
    expect(first.previousToken).toBeNull();
    expect(await observeLock(lockPath)).toEqual({ held: true, lastToken: first.owner.token, owner: first.owner });
    await first.release();
    const between = await observeLock(lockPath);
    expect(between).toEqual({ held: false, lastToken: first.owner.token });

    const second = await take();
    expect(second.previousToken).toBe(between.lastToken);
    await second.release();
    const third = await take();
    // A run came and went since `between`: the tokens no longer match.
    expect(third.previousToken).toBe(second.owner.token);
    expect(third.previousToken).not.toBe(between.lastToken);
    expect(await leftovers()).toEqual([]);
  });

  it('counts a stale lock as not held (the next run takes it over)', async () => {
    await writeLock({ pid: await deadPid(), hostname: os.hostname(), startedAt: new Date().toISOString(), token: 'dead' });
    expect(await observeLock(lockPath)).toEqual({ held: false, lastToken: null });
  });
});

describe('acquireLock across processes', () => {
  let build: string;
  let contender: string;

  beforeAll(async () => {
    build = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-lock-build-'));
    for (const rel of ['src/journal/lock.ts', 'src/errors.ts']) {
      const source = await fsp.readFile(path.join(repo, rel), 'utf8');
      const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      await fsp.mkdir(path.dirname(path.join(build, rel)), { recursive: true });
      await fsp.writeFile(path.join(build, rel.replace(/\.ts$/, '.js')), out.outputText);
    }
    await fsp.writeFile(path.join(build, 'package.json'), '{"type":"module"}');
    // argv: lockPath, startAt (ms), holdMs, mode ('hold' | 'signal')
    contender = path.join(build, 'contender.mjs');
    await fsp.writeFile(
      contender,
      `import { acquireLock, releaseLockOnExit } from './src/journal/lock.js';
const [lockPath, startAt, holdMs, mode] = process.argv.slice(2);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
try {
  const lock = await acquireLock(lockPath);
  if (mode === 'signal') {
    releaseLockOnExit(lock);
    console.log('won');
    process.kill(process.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 10000));
  }
  console.log('won');
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  await lock.release();
} catch (err) {
  console.log(err.name === 'LockedError' ? 'locked' : 'error ' + err.stack);
}
`,
    );
  });

  afterAll(async () => {
    await fsp.rm(build, { recursive: true, force: true });
  });

  function runContender(args: string[]): Promise<{ out: string; code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [contender, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ out: out.trim(), code, signal }));
    });
  }

  /** N processes try at the same instant; the winner holds the lock until every loser has answered. */
  async function race(n: number): Promise<string[]> {
    const startAt = String(Date.now() + 700); // after every child has started
    const results = await Promise.all(Array.from({ length: n }, () => runContender([lockPath, startAt, '1500', 'hold'])));
    return results.map((r) => r.out).sort();
  }

  it('gives exactly one winner among processes racing for a free lock', async () => {
    expect(await race(4)).toEqual(['locked', 'locked', 'locked', 'won']);
    expect(await fsp.readdir(dir)).toEqual(['lock.last']);
  });

  it('gives exactly one winner among processes racing to take over a stale lock', async () => {
    await writeLock({ pid: await deadPid(), hostname: os.hostname(), startedAt: new Date().toISOString() });
    expect(await race(4)).toEqual(['locked', 'locked', 'locked', 'won']);
    expect(await fsp.readdir(dir)).toEqual(['lock.last']);
  });

  it('releaseLockOnExit removes the lock when the holder is killed by SIGTERM', async () => {
    const r = await runContender([lockPath, '0', '0', 'signal']);
    expect(r).toMatchObject({ out: 'won', signal: 'SIGTERM' });
    expect(await fsp.readdir(dir)).toEqual(['lock.last']);
  });
});
