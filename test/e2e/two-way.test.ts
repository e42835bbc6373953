import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { hashFile } from '../../src/local/hash-file.js';
import { bucketContents, CLI, localTree, makeWorkspace, readTree, requestsOf, UPLOAD_ROUTES, type Workspace } from '../helpers/workspace.js';
import { spawn } from 'node:child_process';

// Issue #4: two-way sync scenarios of the built CLI against the emulator, asserting disk, bucket and counters.
const emu = useEmulator();
beforeEach(() => emu.reset());

function uploadBytes(): number {
  const { bytesIn } = emu.counters();
  return UPLOAD_ROUTES.reduce((n, r) => n + (bytesIn[r] ?? 0), 0);
}

async function synced(files: Record<string, string>, sections: Record<string, Record<string, string>> = {}): Promise<Workspace> {
  emu.seed(files);
  const ws = await makeWorkspace(emu, { sync: { direction: 'both' }, ...sections });
  const run = await ws.run('sync');
  expect(run.code, run.stderr).toBe(0);
  emu.resetCounters();
  return ws;
}

async function fileSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else out[child] = createHash('sha1').update(await fsp.readFile(path.join(dir, child))).digest('hex');
    }
  };
  await walk('');
  return out;
}


/** The journal's rows: key -> [remote hash, putTime]. */
function journalRows(ws: Workspace): Map<string, [string, number]> {
  const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select key, remote_hash, put_time from files').all() as { key: string; remote_hash: string; put_time: number }[];
    return new Map(rows.map((r) => [r.key, [r.remote_hash, Number(r.put_time)]]));
  } finally {
    db.close();
  }
}

describe('two-way sync', () => {
  it('uploads a local edit (remote hash = local qetag); the next run transfers nothing', async () => {
    const ws = await synced({ 'notes.txt': 'v1', 'other.txt': 'x' });
    await fsp.writeFile(path.join(ws.root, 'notes.txt'), 'v2 edited locally');
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[INFO\] Putting notes\.txt$/m);
    expect(emu.getObject('notes.txt')!.toString()).toBe('v2 edited locally');
    expect(emu.objects().get('notes.txt')!.hash).toBe(await hashFile(path.join(ws.root, 'notes.txt')));

    emu.resetCounters();
    const again = await ws.run('sync');
    expect(again.code).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(0);
    expect(requestsOf(emu, ...UPLOAD_ROUTES)).toBe(0);
  });

  it('uploads new nested local files under the right keys, and never downloads them back', async () => {
    const ws = await synced({ 'a.txt': 'a' });
    await localTree(ws.root, { 'new/deep/b.txt': 'b', 'new/年.txt': 'nian', 'c d.txt': 'c' });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(bucketContents(emu)).toEqual({ 'a.txt': 'a', 'new/deep/b.txt': 'b', 'new/年.txt': 'nian', 'c d.txt': 'c' });
    emu.resetCounters();
    expect((await ws.run('sync')).code).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(0);
    expect(requestsOf(emu, ...UPLOAD_ROUTES)).toBe(0);
  });

  it('confirms many new uploads with batched stats, no stat per file, and journals what the server shows', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    const files: Record<string, string> = {};
    for (let i = 0; i < 450; i++) files[`many/f${i}.txt`] = `file ${i}`;
    await localTree(ws.root, files);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(emu.objects().size).toBe(450);
    expect(requestsOf(emu, 'stat')).toBe(0);
    expect(requestsOf(emu, 'batch')).toBeGreaterThan(0);
    expect(requestsOf(emu, 'batch')).toBeLessThan(450);
    const rows = journalRows(ws);
    for (const [key, object] of emu.objects()) expect(rows.get(key), key).toEqual([object.hash, object.putTime]);

    emu.resetCounters();
    const again = await ws.run('sync');
    expect(again.code, again.stderr).toBe(0);
    expect(requestsOf(emu, ...UPLOAD_ROUTES)).toBe(0);
  });

  it('an object replaced between its upload and its confirmation is not journaled as ours', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'up' } });
    await localTree(ws.root, { 'late.txt': 'mine' });
    // The confirming stat waits 2 s: time for another writer to replace the object just uploaded.
    emu.addFault({ route: 'batch', delayMs: 2000, times: 1 });
    const child = spawn(process.execPath, [CLI, 'sync', '--config', ws.configPath], { env: { ...process.env, QJOURNAL_RETRY_BASE_MS: '20', ...ws.env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    while (!emu.objects().has('late.txt')) await new Promise((r) => setTimeout(r, 10));
    emu.seed({ 'late.txt': 'someone else' });
    const code = await exited;
    expect(code, stderr).toBe(5);
    expect(stderr).toMatch(/late\.txt.*stat shows/);
    expect(journalRows(ws).has('late.txt')).toBe(false);
    expect(emu.getObject('late.txt')!.toString()).toBe('someone else');
    expect(await fsp.readFile(path.join(ws.root, 'late.txt'), 'utf8')).toBe('mine');
  });

  it('turns a local rename of a 5 MiB file into a server-side move', async () => {
    const big = Buffer.alloc(5 << 20, 3).toString('latin1');
    const ws = await synced({ 'video/big.bin': big });
    await fsp.mkdir(path.join(ws.root, 'archive'), { recursive: true });
    await fsp.rename(path.join(ws.root, 'video/big.bin'), path.join(ws.root, 'archive/big-renamed.bin'));
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(uploadBytes()).toBeLessThan(1 << 20);
    expect(requestsOf(emu, 'move') + requestsOf(emu, 'batch')).toBeGreaterThan(0);
    expect([...emu.objects().keys()]).toEqual(['archive/big-renamed.bin']);
    expect(emu.getObject('archive/big-renamed.bin')!.length).toBe(5 << 20);
  });

  it('turns a renamed folder of 50 files into server-side moves, in one batch', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`album/p${i}.jpg`] = `photo ${i} `.repeat(2000);
    const ws = await synced(files);
    await fsp.rename(path.join(ws.root, 'album'), path.join(ws.root, 'album-2024'));
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(uploadBytes()).toBeLessThan(1 << 20);
    expect(requestsOf(emu, 'download')).toBe(0);
    // All 50 moves in one batch request.
    expect(requestsOf(emu, 'batch')).toBe(1);
    expect(requestsOf(emu, 'move')).toBe(0);
    expect([...emu.objects().keys()].sort()).toEqual(Object.keys(files).map((k) => k.replace('album/', 'album-2024/')).sort());
  });

  it('follows a remote rename with a local rename, downloading nothing', async () => {
    const ws = await synced({ 'docs/report.pdf': 'pdf bytes '.repeat(1000) });
    emu.renameObject('docs/report.pdf', 'docs/2024/report-final.pdf');
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(0);
    expect(Object.keys(await readTree(ws.root))).toEqual(['docs/2024/report-final.pdf']);
  });

  it('keeps both byte strings when both sides changed (every local file and every object scanned)', async () => {
    const ws = await synced({ 'plan.txt': 'original' });
    await fsp.writeFile(path.join(ws.root, 'plan.txt'), 'LOCAL version');
    emu.seed({ 'plan.txt': 'REMOTE version' });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    const localValues = Object.values(await readTree(ws.root)).sort();
    const remoteValues = Object.values(bucketContents(emu)).sort();
    expect(localValues).toEqual(['LOCAL version', 'REMOTE version']);
    expect(remoteValues).toEqual(['LOCAL version', 'REMOTE version']);
    expect(Object.keys(bucketContents(emu)).sort()).toEqual(Object.keys(await readTree(ws.root)).sort());
  });

  it('conflict = report leaves both untouched and exits 7', async () => {
    const ws = await synced({ 'plan.txt': 'original' }, { sync: { direction: 'both', conflict: 'report' } });
    await fsp.writeFile(path.join(ws.root, 'plan.txt'), 'LOCAL');
    emu.seed({ 'plan.txt': 'REMOTE' });
    const run = await ws.run('sync');
    expect(run.code).toBe(7);
    expect(await readTree(ws.root)).toEqual({ 'plan.txt': 'LOCAL' });
    expect(bucketContents(emu)).toEqual({ 'plan.txt': 'REMOTE' });
  });

  it('mirror: a remote deletion moves the local file into the version store', async () => {
    const ws = await synced({ 'keep.txt': 'k', 'gone.txt': 'g', 'a.txt': 'a', 'b.txt': 'b' }, { sync: { direction: 'both', deletes: 'mirror' } });
    emu.deleteObject('gone.txt');
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    const tree = await readTree(ws.root);
    expect(tree['gone.txt']).toBeUndefined();
    const all = await readTree(ws.root, { includeState: true });
    const kept = Object.entries(all).filter(([p]) => p.startsWith('.qjournal/versions/'));
    expect(kept.map(([, v]) => v)).toEqual(['g']);
    const versions = JSON.parse((await ws.run('versions', 'gone.txt', '--json')).stdout);
    expect(versions.versions).toEqual([expect.objectContaining({ origin: 'remote-delete', where: 'store', until: expect.any(String) })]);
  });

  it('mirror: a local deletion moves the object into the bucket trash, from where restore brings it back', async () => {
    const ws = await synced({ 'keep.txt': 'k', 'gone.txt': 'g', 'a.txt': 'a', 'b.txt': 'b' }, { sync: { direction: 'both', deletes: 'mirror' } });
    await fsp.rm(path.join(ws.root, 'gone.txt'));
    await fsp.rm(path.join(ws.root, 'a.txt'));
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    // Recoverably: both objects were moved into the bucket's trash, in one batch request, nothing deleted.
    const stamped = (key: string) => new RegExp(`^\\.qjournal-trash/\\d{8}-\\d{6}/${key.replace('.', '\\.')}$`);
    const keys = Object.keys(bucketContents(emu)).sort();
    expect(keys.filter((k) => !k.startsWith('.qjournal-trash/'))).toEqual(['b.txt', 'keep.txt']);
    expect(keys.filter((k) => k.startsWith('.qjournal-trash/'))).toEqual([expect.stringMatching(stamped('a.txt')), expect.stringMatching(stamped('gone.txt'))]);
    expect(requestsOf(emu, 'batch')).toBe(1);
    expect(requestsOf(emu, 'delete')).toBe(0);

    // The trash is never synced down; restore puts an object back, and the next sync brings its file back.
    emu.resetCounters();
    expect((await ws.run('sync')).code).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(0);
    const restore = await ws.run('restore', 'gone.txt');
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^Restored gone\.txt in the bucket from \.qjournal-trash\/\d{8}-\d{6}\/gone\.txt$/m);
    expect(emu.getObject('gone.txt')!.toString()).toBe('g');
    expect((await ws.run('sync')).code).toBe(0);
    expect((await readTree(ws.root))['gone.txt']).toBe('g');
  });

  it('mirror: an emptied bucket aborts with exit 6 and touches no local file', async () => {
    const ws = await synced({ 'a.txt': 'a', 'b.txt': 'b', 'c/d.txt': 'd' }, { sync: { direction: 'both', deletes: 'mirror' } });
    const before = await fileSnapshot(ws.root);
    for (const key of [...emu.objects().keys()]) emu.deleteObject(key);
    const run = await ws.run('sync');
    expect(run.code).toBe(6);
    const after = await fileSnapshot(ws.root);
    for (const [p, h] of Object.entries(before)) if (!p.startsWith('.qjournal/')) expect(after[p]).toBe(h);
    expect(emu.objects().size).toBe(0);
  });

  it('mirror: refuses to delete more than max_delete of the journal', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`f${i}.txt`] = `v${i}`;
    const ws = await synced(files, { sync: { direction: 'both', deletes: 'mirror', max_delete: '50%' } });
    for (let i = 0; i < 6; i++) emu.deleteObject(`f${i}.txt`);
    const run = await ws.run('sync');
    expect(run.code).toBe(6);
    expect(Object.keys(await readTree(ws.root))).toHaveLength(10);
  });

  it('restore downloads a key missing locally, uploads one missing remotely, and writes --to elsewhere', async () => {
    const ws = await synced({ 'a.txt': 'alpha', 'b.txt': 'beta' }, { sync: { direction: 'down' } });
    await fsp.rm(path.join(ws.root, 'a.txt'));
    const down = await ws.run('restore', 'a.txt');
    expect(down.code, down.stderr).toBe(0);
    expect((await readTree(ws.root))['a.txt']).toBe('alpha');

    emu.deleteObject('b.txt');
    const up = await ws.run('restore', 'b.txt');
    expect(up.code, up.stderr).toBe(0);
    expect(emu.getObject('b.txt')!.toString()).toBe('beta');

    const elsewhere = path.join(ws.dir, 'copy-of-a.txt');
    const to = await ws.run('restore', 'a.txt', '--to', elsewhere);
    expect(to.code, to.stderr).toBe(0);
    expect(await fsp.readFile(elsewhere, 'utf8')).toBe('alpha');

    const missing = await ws.run('restore', 'never-existed.txt');
    expect(missing.code).toBe(8);
  });

  it('restore --to another file system (no rename across devices) writes a verified copy', async () => {
    const ws = await synced({ 'photos/a.jpg': 'jpeg bytes' }, { sync: { direction: 'down' } });
    // /dev/shm is a tmpfs on Linux: another device than the temp folder holding the backup root.
    const otherDisk = await fsp.mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : ws.dir, 'qjournal-restore-'));
    const target = path.join(otherDisk, 'a.jpg');
    const run = await ws.run('restore', 'photos/a.jpg', '--to', target);
    expect(run.code, run.stderr).toBe(0);
    expect(await fsp.readFile(target, 'utf8')).toBe('jpeg bytes');
    expect(await fsp.readdir(path.join(ws.root, '.qjournal/tmp'))).toEqual([]);
    // An existing file at --to is never overwritten.
    const again = await ws.run('restore', 'photos/a.jpg', '--to', target);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--to ${target} already exists`);
    await fsp.rm(otherDisk, { recursive: true, force: true });
  });

  it('restore uploads a key from the trash when the local copy is gone too', async () => {
    const ws = await synced({ 'x.txt': 'x', 'y.txt': 'y', 'z.txt': 'z' }, { sync: { direction: 'both', deletes: 'mirror' } });
    emu.deleteObject('x.txt');
    expect((await ws.run('sync')).code).toBe(0);
    expect((await readTree(ws.root))['x.txt']).toBeUndefined();
    const run = await ws.run('restore', 'x.txt');
    expect(run.code, run.stderr).toBe(0);
    expect(emu.getObject('x.txt')!.toString()).toBe('x');
  });

  it('a dry run leaves tree, bucket and journal byte-identical', async () => {
    const ws = await synced({ 'a.txt': 'a', 'b.txt': 'b' });
    await fsp.writeFile(path.join(ws.root, 'a.txt'), 'edited');
    await localTree(ws.root, { 'new.txt': 'new' });
    emu.seed({ 'b.txt': 'remote edit', 'c.txt': 'c' });
    const before = await fileSnapshot(ws.dir);
    const bucketBefore = bucketContents(emu);
    const run = await ws.run('sync', '--dry-run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/upload/);
    expect(run.stdout).toMatch(/download/);
    expect(await fileSnapshot(ws.dir)).toEqual(before);
    expect(bucketContents(emu)).toEqual(bucketBefore);
    expect(requestsOf(emu, 'download', ...UPLOAD_ROUTES)).toBe(0);
  });

  it('a file renamed to its NFD name (as macOS hands names back) stays the NFC key: nothing uploaded', async () => {
    const nfc = 'photos/caf\u00e9.jpg';
    const nfd = 'photos/cafe\u0301.jpg';
    const ws = await synced({ [nfc]: 'espresso' });
    await fsp.rename(path.join(ws.root, nfc), path.join(ws.root, nfd));
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect([...emu.objects().keys()]).toEqual([nfc]);
    expect(requestsOf(emu, 'download', ...UPLOAD_ROUTES)).toBe(0);
    expect(Object.keys(await readTree(ws.root))).toEqual([nfd]);
  });

  it('on a case-folding disk, keys that differ only in case are reported, not downloaded over each other', async () => {
    emu.seed({ 'Photo.jpg': 'upper', 'photo.jpg': 'lower', 'other.txt': 'o' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'down' } });
    // Names on the backup disk answer to their swapped case, as on exFAT or NTFS (simulated with a symlink).
    await fsp.mkdir(path.join(ws.root, '.qjournal'), { recursive: true });
    await fsp.symlink(path.join(ws.root, '.qjournal'), path.join(ws.root, '.QJOURNAL'));
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[WARN\] Cannot map "photo\.jpg": case collision/);
    expect(await readTree(ws.root)).toEqual({ 'Photo.jpg': 'upper', 'other.txt': 'o' });
    const status = JSON.parse((await ws.run('status', '--json')).stdout);
    expect(status.counts).toMatchObject({ 'in-sync': 2, unmappable: 1 });
  });

  it('round trip: escaped keys synced down then up add no new keys', async () => {
    const keys = { '../up.txt': '1', 'a//b.txt': '2', '.qjournal/x': '3', 'x': '4', 'x/y': '5', 'p%25.txt': '6', 'q%20.txt': '8', './d.txt': '7', 'trail/': '', '..notes.txt': '9', '..d/e.txt': '10' };
    emu.seed(keys);
    const ws = await makeWorkspace(emu, { sync: { direction: 'down' } });
    expect((await ws.run('sync')).code).toBe(0);
    await ws.writeConfig({ sync: { direction: 'up' } });
    emu.resetCounters();
    const up = await ws.run('sync');
    expect(up.code, up.stderr).toBe(0);
    expect([...emu.objects().keys()].sort()).toEqual(Object.keys(keys).sort());
    expect(requestsOf(emu, ...UPLOAD_ROUTES)).toBe(0);

    // An edit of an escaped file goes back to its original key.
    await fsp.writeFile(path.join(ws.root, '%2E%2E', 'up.txt'), 'edited');
    await fsp.writeFile(path.join(ws.root, 'x%'), 'edited x');
    const again = await ws.run('sync');
    expect(again.code, again.stderr).toBe(0);
    expect(emu.getObject('../up.txt')!.toString()).toBe('edited');
    expect(emu.getObject('x')!.toString()).toBe('edited x');
    const all = [...emu.objects().keys()].sort();
    expect(all.filter((k) => !k.startsWith('.qjournal-trash/'))).toEqual(Object.keys(keys).sort());
    // The versions the uploads replaced were kept in the bucket's trash, under their original keys.
    expect(all.filter((k) => k.startsWith('.qjournal-trash/')).map((k) => k.split('/').slice(2).join('/'))).toEqual(['../up.txt', 'x']);
  });
});
