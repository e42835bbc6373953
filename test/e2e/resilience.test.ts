import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { CLI, localTree, makeWorkspace, requestsOf, type Workspace } from '../helpers/workspace.js';

// Issue #5: transfers that survive faults, kill -9 and concurrent runs.
const emu = useEmulator();
beforeEach(() => emu.reset());

function bigBuffer(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.ceil(size / 4) * 4);
  let x = seed;
  for (let i = 0; i < buf.length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf.writeUInt32LE(x, i);
  }
  return buf.subarray(0, size);
}

function startCli(ws: Workspace, ...args: string[]): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(process.execPath, [CLI, 'sync', '--config', ws.configPath, ...args], {
    env: { ...process.env, ...ws.env, QJOURNAL_RETRY_BASE_MS: '20' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume();
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, done };
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function partialBytes(ws: Workspace): Promise<number> {
  const dir = path.join(ws.root, '.qjournal/tmp');
  let total = 0;
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) total += (await fsp.stat(path.join(dir, name))).size;
  return total;
}

/** Rows in a journal table; 0 while the journal (or the table) does not exist yet. */
function journalRows(ws: Workspace, table: 'upload_sessions' | 'upload_parts'): number {
  let db: Database.Database;
  try {
    db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true, fileMustExist: true });
  } catch {
    return 0;
  }
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

function journaledFiles(ws: Workspace): number {
  const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true });
  try {
    return (db.prepare('select count(*) as n from files').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function integrity(ws: Workspace): string {
  const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true });
  try {
    return (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
  } finally {
    db.close();
  }
}

describe('faults', () => {
  it('40 % failing downloads: no final file ever differs from its object; a later run completes', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) files[`f/${i}.bin`] = bigBuffer(200_000 + i, i);
    emu.seed(files);
    emu.addFault({ route: 'download', status: 503, probability: 0.2 });
    emu.addFault({ route: 'download', truncate: true, probability: 0.2 });
    const ws = await makeWorkspace(emu, { sync: { direction: 'down', concurrency: '4' } });
    let code = -1;
    for (let run = 0; run < 6 && code !== 0; run++) {
      code = (await ws.run('sync')).code;
      expect([0, 5]).toContain(code);
      for (const name of await fsp.readdir(path.join(ws.root, 'f')).catch(() => [] as string[])) {
        expect((await fsp.readFile(path.join(ws.root, 'f', name))).equals(files[`f/${name}`])).toBe(true);
      }
    }
    expect(code).toBe(0);
    const tree = await fsp.readdir(path.join(ws.root, 'f'));
    expect(tree).toHaveLength(20);
    for (const [rel, content] of Object.entries(files)) expect((await fsp.readFile(path.join(ws.root, rel))).equals(content)).toBe(true);
  });

  it('40 % failing uploads: the bucket only ever holds whole files; a later run completes', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up', concurrency: '4' } });
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 10; i++) files[`u/${i}.bin`] = bigBuffer(100_000 + i, 100 + i);
    files['u/big.bin'] = bigBuffer(10 << 20, 7);
    await localTree(ws.root, files);
    for (const route of ['form-upload', 'v2-part']) {
      emu.addFault({ route, status: 503, probability: 0.2 });
      emu.addFault({ route, reset: true, probability: 0.2 });
    }
    let code = -1;
    for (let run = 0; run < 6 && code !== 0; run++) {
      code = (await ws.run('sync')).code;
      expect([0, 5]).toContain(code);
      for (const [key] of emu.objects()) expect(emu.getObject(key)!.equals(files[key])).toBe(true);
    }
    expect(code).toBe(0);
    expect([...emu.objects().keys()].sort()).toEqual(Object.keys(files).sort());
  });
});

describe('kill -9', () => {
  it('kill -9 while small uploads wait for their batched confirmation: the rerun records them without sending them again', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`small/f${i}.txt`] = `small file ${i}`;
    await localTree(ws.root, files);
    // No confirmation answers before the kill: every stored object is one the journal does not know yet.
    emu.addFault({ route: 'batch', delayMs: 60_000 });
    const { child, done } = startCli(ws);
    await waitFor(() => emu.objects().size >= 40);
    child.kill('SIGKILL');
    await done;
    const stored = emu.objects().size;
    expect(stored).toBeLessThan(300);
    expect(journaledFiles(ws), 'the kill came before any confirmation').toBe(0);
    emu.clearFaults();
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'form-upload')).toBe(300 - stored);
    for (const [key, bytes] of Object.entries(files)) expect(emu.getObject(key)?.toString(), key).toBe(bytes);
    expect(journaledFiles(ws)).toBe(300);
    expect(integrity(ws)).toBe('ok');
  });

  it('a killed 64 MiB download resumes with a Range request on the next run', async () => {
    const content = bigBuffer(64 << 20, 42);
    emu.seed({ 'video.bin': content });
    emu.addFault({ route: 'download', throttleBytesPerSec: 16 << 20 });
    const ws = await makeWorkspace(emu);
    const { child, done } = startCli(ws);
    await waitFor(async () => (await partialBytes(ws)) > 8 << 20);
    child.kill('SIGKILL');
    await done;
    await expect(fsp.stat(path.join(ws.root, 'video.bin'))).rejects.toThrow();
    emu.clearFaults();
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    const ranges = emu.counters().ranges.filter((r) => r.key === 'video.bin');
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges[0].start).toBeGreaterThan(0);
    expect(emu.counters().bytesOut.download ?? 0).toBeLessThan(content.length);
    expect((await fsp.readFile(path.join(ws.root, 'video.bin'))).equals(content)).toBe(true);
    expect(integrity(ws)).toBe('ok');
  });

  it('a killed 64 MiB upload resumes without resending finished parts', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const content = bigBuffer(64 << 20, 9);
    await localTree(ws.root, { 'backup.tar': content });
    emu.addFault({ route: 'v2-part', throttleBytesPerSec: 8 << 20 });
    const { child, done } = startCli(ws);
    await waitFor(() => requestsOf(emu, 'v2-part') >= 6);
    // Give the journal a moment to record the parts that finished.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await done;
    const sentBefore = emu.counters().bytesIn['v2-part'] ?? 0;
    expect(emu.objects().has('backup.tar')).toBe(false);
    emu.clearFaults();
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'v2-init')).toBe(0);
    expect(requestsOf(emu, 'v2-part')).toBeLessThan(16);
    expect(sentBefore).toBeGreaterThan(0);
    expect(emu.getObject('backup.tar')!.equals(content)).toBe(true);
    expect(integrity(ws)).toBe('ok');
  });

  it('a journaled upload whose id the server forgot (612) starts over cleanly', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const content = bigBuffer(24 << 20, 11);
    await localTree(ws.root, { 'forgotten.tar': content });
    emu.addFault({ route: 'v2-part', throttleBytesPerSec: 8 << 20 });
    const { child, done } = startCli(ws);
    await waitFor(() => journalRows(ws, 'upload_parts') > 0);
    child.kill('SIGKILL');
    await done;
    expect(journalRows(ws, 'upload_sessions')).toBe(1);
    // An emulator restart in memory: every upload id is gone (as after the server's 7-day expiry).
    emu.reset();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'v2-init')).toBe(1);
    expect(emu.getObject('forgotten.tar')!.equals(content)).toBe(true);
    expect(journalRows(ws, 'upload_sessions')).toBe(0);
    expect(integrity(ws)).toBe('ok');
  });
});

describe('one run at a time', () => {
  it('a second concurrent run exits at once with a clear message; the first completes', async () => {
    emu.seed({ 'slow.bin': bigBuffer(8 << 20, 1) });
    emu.addFault({ route: 'download', throttleBytesPerSec: 4 << 20 });
    const ws = await makeWorkspace(emu);
    const first = startCli(ws);
    await waitFor(async () => (await partialBytes(ws)) > 0);
    const second = await ws.run('sync');
    expect(second.code).toBe(6);
    expect(second.stderr).toMatch(/another qjournal run|locked/i);
    expect(await first.done).toBe(0);
    const third = await ws.run('sync');
    expect(third.code).toBe(0);
  });

  it('a lock left by a killed run is taken over', async () => {
    emu.seed({ 'slow.bin': bigBuffer(8 << 20, 2) });
    emu.addFault({ route: 'download', throttleBytesPerSec: 2 << 20 });
    const ws = await makeWorkspace(emu);
    const first = startCli(ws);
    await waitFor(async () => (await partialBytes(ws)) > 0);
    first.child.kill('SIGKILL');
    await first.done;
    emu.clearFaults();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('kill -9 during batched small downloads (issue #14)', () => {
  /** Journal rows (key, local size and mtime) as the killed run left them. */
  function journalFiles(ws: Workspace): { key: string; path: string; local_size: number; local_mtime_ms: number }[] {
    const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true });
    try {
      return db.prepare('SELECT key, path, local_size, local_mtime_ms FROM files').all() as never;
    } finally {
      db.close();
    }
  }

  it('right after a batch was renamed: every journaled file is whole, no final file has wrong bytes, the rerun re-verifies the rest', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 2000; i++) files[`d${i % 10}/f${String(i).padStart(4, '0')}.bin`] = bigBuffer(1024 + ((i * 7919) % 8192), 1000 + i);
    emu.seed(files);
    let unjournaled = 0;
    let ws: Workspace | undefined;
    let present: string[] = [];
    let waitingParts: string[] = [];
    // The kill lands between two batch commits nearly always; a kill that happens to follow a commit exactly is retried.
    for (let attempt = 0; attempt < 3 && unjournaled === 0; attempt++) {
      ws = await makeWorkspace(emu, { sync: { direction: 'down', concurrency: '4' } });
      const root = ws.root;
      const finalFiles = async () => {
        const out: string[] = [];
        for (let d = 0; d < 10; d++) for (const name of await fsp.readdir(path.join(root, `d${d}`)).catch(() => [] as string[])) out.push(`d${d}/${name}`);
        return out;
      };
      const { child, done } = startCli(ws);
      await waitFor(async () => (await finalFiles()).length >= 250);
      child.kill('SIGKILL');
      await done;
      present = await finalFiles();
      expect(present.length).toBeLessThan(2000);
      // No file at a final path with wrong bytes.
      for (const rel of present) expect((await fsp.readFile(path.join(root, rel))).equals(files[rel]), rel).toBe(true);
      // Durable before the journal says so: every journaled file is there, whole, as recorded.
      const rows = journalFiles(ws);
      for (const row of rows) {
        const st = await fsp.stat(path.join(root, row.path));
        expect([st.size, st.mtimeMs]).toEqual([row.local_size, row.local_mtime_ms]);
        expect((await fsp.readFile(path.join(root, row.path))).equals(files[row.key])).toBe(true);
      }
      unjournaled = present.length - rows.length;
      expect(unjournaled).toBeGreaterThanOrEqual(0);
      expect(integrity(ws)).toBe('ok');
      // Verified files still waiting for their batch's fsync and rename stay partial files, never at a final path.
      waitingParts = (await fsp.readdir(path.join(root, '.qjournal/tmp')).catch(() => [] as string[])).filter((n) => n.endsWith('.part'));
    }
    // Renamed files whose batch never committed: the situation this test is about.
    expect(unjournaled).toBeGreaterThan(0);

    emu.resetCounters();
    const run = await ws!.run('sync');
    expect(run.code, run.stderr).toBe(0);
    // The files already in place were re-verified (hashed) and recorded, not downloaded again.
    expect(requestsOf(emu, 'download')).toBe(2000 - present.length);
    expect(journalFiles(ws!)).toHaveLength(2000);
    for (const [rel, content] of Object.entries(files)) expect((await fsp.readFile(path.join(ws!.root, rel))).equals(content)).toBe(true);
    // The partial files the kill left were written over by their downloads and renamed: none is left behind.
    expect(waitingParts.length).toBeLessThanOrEqual(2000 - present.length);
    expect((await fsp.readdir(path.join(ws!.root, '.qjournal/tmp'))).filter((n) => n.endsWith('.part'))).toEqual([]);
  });
});
