import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { runUnprivileged } from '../helpers/unprivileged.js';
import { bucketContents, CLI, localTree, makeWorkspace, readTree, requestsOf } from '../helpers/workspace.js';

// Issue #15: a weekly unattended run never gives up the whole backup for one bad file.
const emu = useEmulator();
beforeEach(() => emu.reset());

function journalKeys(root: string): string[] {
  const db = new Database(path.join(root, '.qjournal/journal.db'), { readonly: true });
  try {
    return (db.prepare('select key from files order by key').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

describe('files and folders that cannot be read', () => {
  it('an unreadable file and an unreadable folder: the rest transfers, exit 5, both named, nothing deleted', async () => {
    emu.seed({ 'known.txt': 'v1', 'locked-dir/a.txt': 'a', 'locked-dir/sub/b.txt': 'b', 'other.txt': 'o' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', deletes: 'mirror' } });
    expect((await ws.run('sync')).code).toBe(0);

    // The weekly changes: one file edited and made unreadable, one folder made unreadable, one new file each side.
    await fsp.writeFile(path.join(ws.root, 'known.txt'), 'v2, unreadable');
    await fsp.chmod(path.join(ws.root, 'known.txt'), 0o000);
    await fsp.chmod(path.join(ws.root, 'locked-dir'), 0o000);
    await localTree(ws.root, { 'fresh.txt': 'new here' });
    emu.seed({ 'remote-new.txt': 'new there' });
    try {
      const run = await runUnprivileged(ws, 'sync');
      expect(run.code, run.stderr).toBe(5);
      expect(run.stderr).toMatch(/\[WARN\] Not backed up: "known\.txt": cannot read this file \(EACCES\)/);
      expect(run.stderr).toMatch(/\[WARN\] Not backed up: "locked-dir": cannot read this folder \(EACCES\)/);
      expect(run.stderr).not.toMatch(/Deleting|Trashing/);
      // The rest went both ways.
      expect(emu.getObject('fresh.txt')?.toString()).toBe('new here');
      expect(await fsp.readFile(path.join(ws.root, 'remote-new.txt'), 'utf8')).toBe('new there');
      // Nothing under the unreadable folder was taken for deleted: objects and journal rows stay.
      expect(bucketContents(emu)).toMatchObject({ 'known.txt': 'v1', 'locked-dir/a.txt': 'a', 'locked-dir/sub/b.txt': 'b' });
      expect(journalKeys(ws.root)).toEqual(expect.arrayContaining(['known.txt', 'locked-dir/a.txt', 'locked-dir/sub/b.txt']));

      const status = await runUnprivileged(ws, 'status', '--json');
      expect(status.code, status.stderr).toBe(0);
      const json = JSON.parse(status.stdout);
      expect(json.problems).toEqual(
        expect.arrayContaining([
          { path: 'known.txt', kind: 'unreadable-file', detail: expect.stringContaining('EACCES') },
          { path: 'locked-dir', kind: 'unreadable-folder', detail: expect.stringContaining('EACCES') },
        ]),
      );
      expect(json.items.filter((i: { path: string }) => i.path?.startsWith('locked-dir') || i.path === 'known.txt')).toEqual([]);
    } finally {
      await fsp.chmod(path.join(ws.root, 'locked-dir'), 0o755);
      await fsp.chmod(path.join(ws.root, 'known.txt'), 0o644);
    }
    // Readable again: the edit goes up, and the run is clean.
    const after = await runUnprivileged(ws, 'sync');
    expect(after.code, after.stderr).toBe(0);
    expect(emu.getObject('known.txt')?.toString()).toBe('v2, unreadable');
    expect(await readTree(ws.root)).toMatchObject({ 'locked-dir/a.txt': 'a', 'locked-dir/sub/b.txt': 'b' });
  });

  it('a folder that can be listed but not entered (r--) is unreadable too, never "deleted"', async () => {
    emu.seed({ 'half/a.txt': 'a', 'half/b.txt': 'b' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', deletes: 'mirror' } });
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.chmod(path.join(ws.root, 'half'), 0o444);
    try {
      const run = await runUnprivileged(ws, 'sync');
      expect(run.code, run.stderr).toBe(5);
      expect(run.stderr).toMatch(/Not backed up: "half": cannot read this folder/);
      expect(Object.keys(bucketContents(emu)).sort()).toEqual(['half/a.txt', 'half/b.txt']);
    } finally {
      await fsp.chmod(path.join(ws.root, 'half'), 0o755);
    }
  });
});

describe('time limits and retries', () => {
  it('a server that accepts connections but never answers: exit 4 within 60 s, every retry logged at WARN', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const ws = await makeWorkspace(emu);
      await ws.writeConfig({ endpoints: { rs: url, rsf: url, up: url, api: url, uc: url } });
      const started = Date.now();
      // The real back-off (the helper's fast retries would hide how long a user waits).
      const status = await runCliReal(ws, 'status');
      const took = Date.now() - started;
      expect(status.code, status.stderr).toBe(4);
      expect(took).toBeLessThan(60_000);
      const retries = status.stderr.split('\n').filter((l) => /\[WARN\] Retrying list \(attempt \d of \d failed: ResponseTimeoutError/.test(l));
      expect(retries.length, status.stderr).toBeGreaterThanOrEqual(2);
      expect(retries[0]).toMatch(/attempt 1 of 5/);
      expect(status.stderr).toMatch(/qjournal: list: .*after \d attempts/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 90_000);

  it('a 573 storm (a server that takes one download at a time) slows the run down, and it completes', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 24; i++) files[`storm/${String(i).padStart(2, '0')}.txt`] = `file ${i} `.repeat(2000);
    emu.seed(files);
    emu.addFault({ route: 'download', rateLimitInFlight: 1 });
    emu.addFault({ route: 'download', delayMs: 30 });
    const ws = await makeWorkspace(emu, { sync: { direction: 'down', concurrency: '8' } });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(await readTree(ws.root)).toEqual(files);
    expect(run.stderr).toMatch(/\[WARN\] Retrying download storm\/\d+\.txt \(attempt 1 of 8 failed: HTTP 573/);
    expect(run.stderr).toMatch(/\[WARN\] Rate limited by the server \(573\): 4 transfer\(s\) at once for now/);
  }, 60_000);
});

describe('codes that are never retried', () => {
  it('631 (no such bucket) is a configuration error: exit 3 at once, no retry', async () => {
    const ws = await makeWorkspace(emu);
    await ws.writeConfig({ bucket: { name: 'no-such-bucket' } });
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).not.toMatch(/Retrying/);
    expect(emu.counters().requests.list).toBe(1);
  });
});

/** The CLI with the default retry delays. */
function runCliReal(ws: Awaited<ReturnType<typeof makeWorkspace>>, command: string) {
  return import('../helpers/workspace.js').then(({ runCli }) =>
    runCli([command, '--config', ws.configPath], { env: { ...ws.env, QJOURNAL_RETRY_BASE_MS: '250' }, cwd: ws.dir }),
  );
}

function bigBuffer(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.ceil(size / 4) * 4);
  let x = seed;
  for (let i = 0; i < buf.length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf.writeUInt32LE(x, i);
  }
  return buf.subarray(0, size);
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startSync(ws: Awaited<ReturnType<typeof makeWorkspace>>): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, 'sync', '--config', ws.configPath], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, QJOURNAL_RETRY_BASE_MS: '20' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

describe('runs that are stopped', () => {
  it('Ctrl+C: `log` and `status` show the run as interrupted, and the next run writes it down', async () => {
    emu.seed({ 'slow.bin': bigBuffer(8 << 20, 3) });
    emu.addFault({ route: 'download', throttleBytesPerSec: 2 << 20 });
    const ws = await makeWorkspace(emu);
    const { child, done } = startSync(ws);
    await waitFor(async () => (await fsp.readdir(path.join(ws.root, '.qjournal/tmp')).catch(() => [])).length > 0);
    // While it runs, it is running.
    const live = JSON.parse((await ws.run('log', '--json')).stdout);
    expect(live.runs[0].outcome).toBe('running');
    child.kill('SIGINT');
    const end = await done;
    expect(end.signal ?? end.code).toBeTruthy();
    const log = JSON.parse((await ws.run('log', '--json')).stdout);
    expect(log.runs[0]).toMatchObject({ id: 1, outcome: 'interrupted' });
    expect((await ws.run('log')).stdout).toMatch(/^#1 .* sync down interrupted/m);
    emu.clearFaults();
    const status = await ws.run('status', '--json');
    expect(JSON.parse(status.stdout).lastRun).toMatchObject({ id: 1, outcome: 'interrupted' });
    expect((await ws.run('sync')).code).toBe(0);
    const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true });
    try {
      expect(db.prepare('select id, outcome from runs order by id').all()).toEqual([
        { id: 1, outcome: 'interrupted' },
        { id: 2, outcome: 'ok' },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('a damaged journal', () => {
  it('garbage in the journal: exit 3 naming the file and the copy; recover-journal brings the last good one back', async () => {
    emu.seed({ 'a.txt': 'a', 'b/c.txt': 'c' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    const journal = path.join(ws.root, '.qjournal/journal.db');
    expect((await fsp.stat(`${journal}.last-good`)).size).toBeGreaterThan(0);
    await fsp.writeFile(journal, Buffer.concat([Buffer.from('this is not SQLite'), bigBuffer(8192, 5)]));

    for (const command of ['sync', 'status', 'log']) {
      const run = await ws.run(command);
      expect(run.code, `${command}: ${run.stderr}`).toBe(3);
      expect(run.stderr).toContain(`journal ${journal} is damaged`);
      expect(run.stderr).toContain(`${journal}.last-good`);
      expect(run.stderr).toContain('qjournal recover-journal');
    }

    const recover = await ws.run('recover-journal');
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(/damaged journal is kept as .*journal\.db\.corrupt-/);
    emu.resetCounters();
    const after = await ws.run('sync');
    expect(after.code, after.stderr).toBe(0);
    // The journal knew both files again: nothing was downloaded or uploaded.
    expect(after.stderr).toMatch(/Done: 0 downloaded .* 0 uploaded .* 2 unchanged/);
    expect(emu.counters().requests.download ?? 0).toBe(0);
  });

  it('a missing journal is rebuilt by hashing, as before', async () => {
    emu.seed({ 'a.txt': 'a' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.rm(path.join(ws.root, '.qjournal/journal.db'));
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(emu.counters().requests.download ?? 0).toBe(0);
  });
});

describe('no warnings from Node or libraries', () => {
  it('a 40 MiB upload (multipart, parts written in slices) leaves stderr with log lines only', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const content = bigBuffer(40 << 20, 21);
    await localTree(ws.root, { 'big.bin': content });
    // Slow reading of the parts: the client waits for `drain` over and over.
    emu.addFault({ route: 'v2-part', throttleBytesPerSec: 32 << 20 });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(emu.getObject('big.bin')!.equals(content)).toBe(true);
    const foreign = run.stderr.split('\n').filter((l) => l !== '' && !/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} \[(INFO|DEBUG)\] /.test(l));
    expect(foreign).toEqual([]);
  });
});

describe('what cannot be backed up is named, once per run', () => {
  it('a name that is not UTF-8, a symlink loop, links out of and inside the root, a FIFO', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    await localTree(ws.root, { 'ok.txt': 'fine', 'dir/inner.txt': 'in' });
    await fsp.writeFile(Buffer.from(`${ws.root}/dir/bad\xff.txt`, 'latin1'), 'latin-1 name');
    await fsp.symlink('loop', path.join(ws.root, 'loop'));
    await fsp.symlink('/etc', path.join(ws.root, 'outside'));
    await fsp.symlink('dir/inner.txt', path.join(ws.root, 'inside'));
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(ws.root, 'dir/pipe')]);

    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(5);
    expect(Object.keys(bucketContents(emu)).sort()).toEqual(['dir/inner.txt', 'ok.txt']);
    const once = (re: RegExp) => expect(run.stderr.split('\n').filter((l) => re.test(l)), run.stderr).toHaveLength(1);
    once(/\[WARN\] Not backed up: "dir\/bad\\\\xff\.txt": the name is not valid UTF-8/);
    once(/\[WARN\] Not backed up: "loop": symlink to loop \(a symlink loop\)/);
    once(/\[WARN\] Not backed up: "outside": symlink to \/etc \(points outside the backup folder\)/);
    once(/\[WARN\] Not backed up: "inside": symlink to dir\/inner\.txt \(points inside the backup folder\)/);
    once(/\[WARN\] Not backed up: "dir\/pipe": a named pipe \(FIFO\)/);

    const status = JSON.parse((await ws.run('status', '--json')).stdout);
    expect(status.problems.map((p: { path: string; kind: string }) => `${p.kind} ${p.path}`).sort()).toEqual([
      'bad-name dir/bad\\xff.txt',
      'special dir/pipe',
      'symlink inside',
      'symlink loop',
      'symlink outside',
    ]);
    // A run that had only symlinks and special files to report is not partial.
    await fsp.rm(Buffer.from(`${ws.root}/dir/bad\xff.txt`, 'latin1'));
    expect((await ws.run('sync')).code).toBe(0);
  });
});

describe('a full disk', () => {
  it('a root on a small tmpfs that fills up: exit 5 saying how much is needed, lock released, no partial left; the next run completes', async () => {
    const { execFileSync } = await import('node:child_process');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 8; i++) files[`a-small/${i}.bin`] = bigBuffer(40_000 + i, i);
    files['big/huge.bin'] = bigBuffer(6 << 20, 99);
    files['big/second.bin'] = bigBuffer(3 << 20, 98);
    emu.seed(files);
    const ws = await makeWorkspace(emu, { sync: { direction: 'down', concurrency: '2' } });
    await fsp.mkdir(ws.root, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', ws.root], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test needs to mount a small tmpfs (run the tests as root): ${(err as Error).message}`);
    }
    try {
      const run = await ws.run('sync');
      expect(run.code, run.stderr).toBe(5);
      expect(run.stderr).toMatch(/\[ERROR\] The disk is full: \d+ download\(s\) were not done; they need [\d.]+ MiB \(\d+ bytes\) more free space/);
      expect(run.stderr).not.toMatch(/database connection is not open/);
      // Lock released, no partial file keeping the disk full.
      await expect(fsp.stat(path.join(ws.root, '.qjournal/lock'))).rejects.toThrow();
      expect(await fsp.readdir(path.join(ws.root, '.qjournal/tmp')).catch(() => [])).toEqual([]);
      // What did land is whole.
      for (const [rel, content] of Object.entries(files)) {
        const got = await fsp.readFile(path.join(ws.root, rel)).catch(() => null);
        if (got) expect(got.equals(content), rel).toBe(true);
      }
      expect(await fsp.readFile(path.join(ws.root, 'a-small/0.bin')).catch(() => null)).not.toBeNull();

      execFileSync('mount', ['-o', 'remount,size=32m', ws.root], { stdio: 'pipe' });
      const after = await ws.run('sync');
      expect(after.code, after.stderr).toBe(0);
      for (const [rel, content] of Object.entries(files)) expect((await fsp.readFile(path.join(ws.root, rel))).equals(content), rel).toBe(true);
    } finally {
      execFileSync('umount', [ws.root], { stdio: 'pipe' });
    }
  });
});

describe('uploads commit only bytes that existed together', () => {
  const sessionParts = (ws: Awaited<ReturnType<typeof makeWorkspace>>): number => {
    let db: Database.Database;
    try {
      db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true, fileMustExist: true });
    } catch {
      return 0;
    }
    try {
      return (db.prepare('select count(*) as n from upload_parts').get() as { n: number }).n;
    } catch {
      return 0;
    } finally {
      db.close();
    }
  };

  it.each([
    ['rewritten', (content: Buffer) => bigBuffer(content.length, 77)],
    ['growing', (content: Buffer) => Buffer.concat([content, bigBuffer(5 << 20, 78)])],
  ] as const)('a file %s during a throttled multipart upload: aborted, never a mix; the next run uploads the new version', async (_how, change) => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const before = bigBuffer(24 << 20, 76);
    const after = change(before);
    await localTree(ws.root, { 'edited.bin': before });
    emu.addFault({ route: 'v2-part', throttleBytesPerSec: 6 << 20 });
    const { child, done } = startSync(ws);
    await waitFor(() => (emu.counters().bytesIn['v2-part'] ?? 0) > 1 << 20);
    await fsp.writeFile(path.join(ws.root, 'edited.bin'), after);
    const end = await done;
    expect(child.exitCode, end.stderr).toBe(5);
    expect(end.stderr).toMatch(/\[ERROR\] Failed upload edited\.bin: edited\.bin changed while it was being uploaded .*nothing was committed/);
    expect(emu.objects().has('edited.bin')).toBe(false);
    emu.clearFaults();
    const next = await ws.run('sync');
    expect(next.code, next.stderr).toBe(0);
    expect(emu.getObject('edited.bin')!.equals(after)).toBe(true);
  });

  it('a new small file left unhashed by the plan and changed before its upload: a conflict, not sent; the next run sends the new bytes', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up', concurrency: '2' } });
    const tree: Record<string, string> = {};
    for (let i = 0; i < 20; i++) tree[`f${String(i).padStart(2, '0')}.txt`] = `version 1 of ${i} `.repeat(50);
    await localTree(ws.root, tree);
    // Uploads are slow, so the last file (key order) is rewritten after the plan and before its upload.
    emu.addFault({ route: 'form-upload', delayMs: 150 });
    const { child, done } = startSync(ws);
    await waitFor(() => emu.objects().size >= 1);
    const edited = 'version 2, longer than the first '.repeat(40);
    await fsp.writeFile(path.join(ws.root, 'f19.txt'), edited);
    const end = await done;
    expect(child.exitCode, end.stderr).not.toBe(0);
    expect(end.stderr).toMatch(/Conflict f19\.txt: f19\.txt changed locally during the run/);
    expect(emu.objects().has('f19.txt')).toBe(false);
    expect(journalKeys(ws.root)).not.toContain('f19.txt');
    expect(emu.objects().size).toBe(19);
    emu.clearFaults();
    const next = await ws.run('sync');
    expect(next.code, next.stderr).toBe(0);
    expect(emu.getObject('f19.txt')!.toString()).toBe(edited);
  });

  it('a kill after parts reached the server but before the journal recorded them: the rerun does not send them again', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const content = bigBuffer(40 << 20, 80);
    await localTree(ws.root, { 'archive.tar': content });
    emu.addFault({ route: 'v2-part', throttleBytesPerSec: 8 << 20 });
    const { child, done } = startSync(ws);
    await waitFor(() => sessionParts(ws) >= 4);
    child.kill('SIGKILL');
    await done;
    // As if the kill had come between the server's answer and the journal's commit, for every part.
    const db = new Database(path.join(ws.root, '.qjournal/journal.db'));
    db.prepare('delete from upload_parts').run();
    db.close();
    emu.clearFaults();
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'v2-init')).toBe(0);
    expect(requestsOf(emu, 'v2-list-parts')).toBe(1);
    expect(requestsOf(emu, 'v2-part')).toBeLessThanOrEqual(10 - 4);
    expect(emu.getObject('archive.tar')!.equals(content)).toBe(true);
  });
});
