import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fsp, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/core/key-order.js';
import type { JournalEntry } from '../../src/core/types.js';
import type { LocalProblem } from '../../src/core/local-problems.js';
import type { Journal } from '../../src/journal/journal.js';
import * as sourceJournal from '../../src/journal/open-journal.js';
import * as sourceSqlite from '../../src/journal/sqlite-journal.js';
import * as sourceWalk from '../../src/local/walk-in-key-order.js';
import type { WalkedFile } from '../../src/local/walk-in-key-order.js';
import { random } from '../helpers/random.js';

// The walk and the journal's key-order pages run on worker threads when the compiled workers are there (the built
// CLI), and in-thread when running from the TypeScript source (the rest of the tests). Both must hand over exactly the
// same thing. The compiled modules come from `npm run build` (`npm test` builds first).
const DIST = path.resolve(__dirname, '../../dist');
const builtWalk: typeof sourceWalk = await import(path.join(DIST, 'src/local/walk-in-key-order.js'));
const builtJournal: typeof sourceJournal = await import(path.join(DIST, 'src/journal/open-journal.js'));
const builtSqlite: typeof sourceSqlite = await import(path.join(DIST, 'src/journal/sqlite-journal.js'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'qj-threads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(walk: AsyncGenerator<WalkedFile[]>): Promise<WalkedFile[]> {
  const files: WalkedFile[] = [];
  for await (const batch of walk) files.push(...batch);
  return files;
}

describe('the walk on a worker thread', () => {
  it('runs on a worker only when built, and yields exactly what the in-thread walk yields', async () => {
    expect(builtWalk.walksOnWorkerThread).toBe(true);
    expect(sourceWalk.walksOnWorkerThread).toBe(false);
    const root = path.join(dir, 'tree');
    const next = random(7);
    // Odd names (escapes, `x` beside `x/`, Unicode forms, surrogates vs U+E000), a folder of 3,000 files (batches
    // of 1,024 cross it), excluded files, the tool's own folder, a symlink and an empty folder.
    const names = ['a', 'x', 'x.txt', 'caf\u00e9', 'cafe\u0301', '50%', 'r%2E', '%2E%2E', '\u{1F600}', '\uE000', 'n.tmp', 'x%'];
    for (let i = 0; i < 400; i++) {
      const depth = 1 + Math.floor(next() * 3);
      const rel = Array.from({ length: depth }, () => names[Math.floor(next() * names.length)]).join('/');
      await fsp.mkdir(path.join(root, path.dirname(rel)), { recursive: true }).catch(() => {});
      await fsp.writeFile(path.join(root, rel), `${i}`).catch(() => {}); // a name already taken by a folder: skip
    }
    await fsp.mkdir(path.join(root, 'big'), { recursive: true });
    for (let i = 0; i < 3000; i++) await fsp.writeFile(path.join(root, 'big', `f${i}`), `${i % 7}`);
    await fsp.mkdir(path.join(root, '.qjournal'), { recursive: true });
    await fsp.writeFile(path.join(root, '.qjournal', 'journal.db'), 'not walked');
    await fsp.mkdir(path.join(root, 'empty'), { recursive: true });
    await fsp.symlink('/etc', path.join(root, 'link'));

    for (const [prefix, exclude] of [['', ['*.tmp']], ['p/', []]] as const) {
      const skippedHere: LocalProblem[] = [];
      const skippedThere: LocalProblem[] = [];
      const here = await collect(sourceWalk.walkInKeyOrder(root, prefix, [...exclude], skippedHere));
      const there = await collect(builtWalk.walkInKeyOrder(root, prefix, [...exclude], skippedThere));
      expect(here.length).toBeGreaterThan(3000);
      expect(there).toEqual(here);
      const link = { path: 'link', kind: 'symlink', detail: 'symlink to /etc (points outside the backup folder): not followed, not backed up' };
      expect(skippedThere).toEqual([link]);
      expect(skippedHere).toEqual([link]);
      expect(here.some((w) => w.file.path.endsWith('.tmp'))).toBe(exclude.length === 0);
    }
  });

  it('lstats entries into kind, size and mtime, and marks vanished names missing', async () => {
    const { lstatEntries, ENTRY } = await import('../../src/local/stat-entries.js');
    const tree = path.join(dir, 'tree');
    const file = path.join(tree, 'big', 'f0');
    const stats = lstatEntries([path.join(tree, 'empty'), path.join(tree, 'link'), path.join(tree, 'gone-1'), file]);
    const st = await fsp.lstat(file);
    expect(Array.from(stats)).toEqual([ENTRY.folder, expect.any(Number), expect.any(Number), ENTRY.symlink, expect.any(Number), expect.any(Number), ENTRY.missing, 0, 0, ENTRY.file, st.size, st.mtimeMs]);
  });

  it('lets the process end when a walk is abandoned unfinished, or started and never read (its worker holds nothing open)', async () => {
    const module = JSON.stringify(path.join(DIST, 'src/local/walk-in-key-order.js'));
    // More files than the worker may run ahead by (32 batches of 1,024): it stays blocked, waiting to be read on.
    const tree = path.join(dir, 'abandoned');
    for (let d = 0; d < 36; d++) {
      await fsp.mkdir(path.join(tree, `d${d}`), { recursive: true });
      for (let i = 0; i < 1000; i++) writeFileSync(path.join(tree, `d${d}`, `f${i}`), '');
    }
    for (const [name, body] of [
      ['abandon.mjs', `const walk = walkInKeyOrder(${JSON.stringify(tree)}, '', [], []); console.log('took', (await walk.next()).value.length);`],
      ['unread.mjs', `startWalk(${JSON.stringify(tree)}, '', []); console.log('took', 0);`],
    ]) {
      const script = path.join(dir, name);
      await fsp.writeFile(script, `const { walkInKeyOrder, startWalk } = await import(${module});\n${body}`);
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
      expect(child.stdout).toMatch(/^took \d+/);
      expect(child.signal).toBeNull();
      expect(child.status).toBe(0);
    }
  });

  it('walks the same when started ahead of the first read (startWalk), and closes either way', async () => {
    const tree = path.join(dir, 'tree');
    const started = builtWalk.startWalk(tree, '', ['*.tmp']);
    await new Promise((r) => setTimeout(r, 50));
    const skipped: string[] = [];
    expect(await collect(started.batches)).toEqual(await collect(builtWalk.walkInKeyOrder(tree, '', ['*.tmp'], skipped)));
    expect(started.skipped).toEqual(skipped);
    await started.close();
    const unread = builtWalk.startWalk(tree, '', []);
    await unread.close();
    await fsp.writeFile(path.join(dir, 'plain-file'), 'x');
    const failing = builtWalk.startWalk(path.join(dir, 'plain-file'), '', []);
    await expect(collect(failing.batches)).rejects.toMatchObject({ code: 'ENOTDIR' });
    await failing.close();
  });

  it("rethrows the worker's error with its code, and stops the worker when the caller stops early", async () => {
    const notAFolder = path.join(dir, 'plain-file');
    await fsp.writeFile(notAFolder, 'x');
    await expect(collect(builtWalk.walkInKeyOrder(notAFolder, '', [], []))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(collect(sourceWalk.walkInKeyOrder(notAFolder, '', [], []))).rejects.toMatchObject({ code: 'ENOTDIR' });

    const walk = builtWalk.walkInKeyOrder(path.join(dir, 'tree'), '', [], []);
    expect((await walk.next()).done).toBe(false);
    await expect(walk.return(undefined)).resolves.toEqual({ done: true, value: undefined });
  });
});

describe("the journal's key-order pages on a worker thread", () => {
  const rows = (n: number): JournalEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      key: i % 500 === 0 ? `\u{1F600}${i}` : i % 300 === 0 ? `\uE000${i}` : `k/${String(i).padStart(5, '0')}`,
      path: i % 7 === 0 ? `moved/${i}` : i % 500 === 0 ? `\u{1F600}${i}` : i % 300 === 0 ? `\uE000${i}` : `k/${String(i).padStart(5, '0')}`,
      remoteHash: `Fh${i}`,
      fsize: i * 3,
      putTime: 2 ** 53 + 2 * i,
      localSize: i * 3,
      localMtimeMs: 1_712_345_678_901.123 + i,
      syncedAt: 1_712_345_679_000 + i,
      runId: 1 + (i % 3),
    }));

  async function pages(journal: Journal): Promise<JournalEntry[]> {
    const all: JournalEntry[] = [];
    for await (const page of journal.entryPages()) all.push(...page);
    return all;
  }

  it('reads every row in key order, exactly as the in-thread pages do (writable and read-only)', async () => {
    expect(builtSqlite.readsPagesOnWorkerThread).toBe(true);
    expect(sourceSqlite.readsPagesOnWorkerThread).toBe(false);
    const file = path.join(dir, 'journal', 'journal.db');
    const writer = await sourceJournal.openJournal(file);
    await writer.recordEntries(rows(2500));
    const inThread = await pages(writer);
    expect(inThread).toHaveLength(2500);
    expect(inThread).toEqual((await writer.loadEntries()).sort((a, b) => compareKeys(a.key, b.key)));
    // The worker opens its own read-only connection while the writer keeps the file open (WAL), as in a sync: from
    // the table, then from the files snapshot.
    const builtWriter = await builtJournal.openJournal(file);
    expect(await pages(builtWriter)).toEqual(inThread);
    await builtWriter.refreshSnapshot();
    expect(await pages(builtWriter)).toEqual(inThread);
    expect(await pages(writer)).toEqual(inThread);
    await builtWriter.close();
    await writer.close();
    const reader = await builtJournal.openJournal(file, { readonly: true });
    expect(await pages(reader)).toEqual(inThread);
    await reader.close();
    const missing = await builtJournal.openJournal(path.join(dir, 'none', 'journal.db'), { readonly: true });
    expect(await pages(missing)).toEqual([]);
  });
});
