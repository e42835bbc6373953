import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashKind } from '../../src/core/hash-kind.js';
import { useEmulator } from '../helpers/emulator.js';
import { CLI, localTree, makeWorkspace, readTree, requestsOf, UPLOAD_ROUTES, type Workspace } from '../helpers/workspace.js';

// Issue #11: objects whose hash is an etag v2 (`n…`) or one no local computation reproduces, against the built CLI.
const emu = useEmulator();
beforeEach(() => emu.reset());

const KiB = 1024;
const MiB = 1024 * KiB;
const OPAQUE = 'S3-uploaded-object-etag-0001';

function bytes(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

/** A multipart upload with 300 KiB + 200 KiB parts: not 4 MiB, so Kodo gives it an etag v2. */
function seedV2(key: string, data: Buffer): string {
  const first = data.length > 2 * MiB ? 2 * MiB : 300 * KiB;
  emu.seedObject(key, data, { parts: [first, data.length - first] });
  const hash = emu.objects().get(key)!.hash;
  expect(hashKind(hash)).toBe('etag-v2');
  return hash;
}

function checkRow(ws: Workspace, key: string): { verified_by: string; hash_kind: string; local_qetag: string; served_by: string } | undefined {
  const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true });
  try {
    return db.prepare('select * from file_checks where key = ?').get(key) as never;
  } finally {
    db.close();
  }
}

function startSync(ws: Workspace): Promise<{ code: number; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'sync', '--config', ws.configPath], {
    env: { ...process.env, ...ws.env, QJOURNAL_RETRY_BASE_MS: '20' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stderr })));
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('etag v2 objects', () => {
  it('are downloaded and verified over their listed parts; a second run transfers nothing', async () => {
    const data = bytes(500 * KiB, 1);
    seedV2('v2.bin', data);
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect((await fsp.readFile(path.join(ws.root, 'v2.bin'))).equals(data)).toBe(true);
    expect(checkRow(ws, 'v2.bin')).toMatchObject({ verified_by: 'etag-v2', hash_kind: 'etag-v2', served_by: emu.url });
    // the listing carried the parts: no stat per object
    expect(requestsOf(emu, 'stat')).toBe(0);
    emu.resetCounters();
    const again = await ws.run('sync');
    expect(again.code, again.stderr).toBe(0);
    expect(requestsOf(emu, 'download')).toBe(0);
  });

  it('a corrupted download never lands and the run exits 5', async () => {
    seedV2('v2.bin', bytes(500 * KiB, 2));
    emu.corruptObject('v2.bin');
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/download v2\.bin: content hash \(etag v2\) \S+ does not match the listed n/);
    await expect(fsp.stat(path.join(ws.root, 'v2.bin'))).rejects.toThrow(/ENOENT/);
    expect(await fsp.readdir(path.join(ws.root, '.qjournal/tmp'))).toEqual([]);
  });

  it('a touched local copy is not uploaded (direction both)', async () => {
    const hash = seedV2('v2.bin', bytes(500 * KiB, 3));
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    expect((await ws.run('sync')).code).toBe(0);
    const later = new Date(Date.now() + 60_000);
    await fsp.utimes(path.join(ws.root, 'v2.bin'), later, later);
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, ...UPLOAD_ROUTES, 'download')).toBe(0);
    expect(emu.objects().get('v2.bin')!.hash).toBe(hash);
    // recorded again: the run after that does not even hash it
    const status = JSON.parse((await ws.run('status', '--json')).stdout);
    expect(status.counts['in-sync']).toBe(1);
    expect(status.items).toEqual([]);
  });

  it('the same bytes on both sides are recorded, not a conflict', async () => {
    const data = bytes(500 * KiB, 4);
    const hash = seedV2('same.bin', data);
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    await localTree(ws.root, { 'same.bin': data });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, ...UPLOAD_ROUTES, 'download')).toBe(0);
    expect(Object.keys(await readTree(ws.root))).toEqual(['same.bin']);
    expect([...emu.objects().keys()]).toEqual(['same.bin']);
    expect(emu.objects().get('same.bin')!.hash).toBe(hash);
    expect(checkRow(ws, 'same.bin')).toMatchObject({ verified_by: 'etag-v2', served_by: null });
  });

  it('different bytes of the same size on both sides are still a conflict', async () => {
    seedV2('same.bin', bytes(500 * KiB, 5));
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    await localTree(ws.root, { 'same.bin': bytes(500 * KiB, 6) });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(Object.keys(await readTree(ws.root)).sort()).toHaveLength(2);
  });
});

describe.each([
  ['an etag-v2 object', (key: string, data: Buffer) => seedV2(key, data)],
  ['an opaque-hash object without MD5', (key: string, data: Buffer) => emu.seedObject(key, data, { hash: OPAQUE, md5: false })],
])('a resumed download of %s', (_kind, seed) => {
  it('whose object was replaced mid-way never lands as a splice', async () => {
    // Big enough that the half a truncated answer delivers reaches the disk (partial files are written a MiB at a time).
    const before = bytes(3 * MiB, 7);
    const after = bytes(3 * MiB, 8);
    seed('doc.bin', before);
    const opaque = hashKind(emu.objects().get('doc.bin')!.hash) === 'opaque';
    // The first attempt gets half the old bytes; the retry (a Range request) is held until the object is replaced.
    emu.addFault({ route: 'download', truncate: true, times: 1 });
    emu.addFault({ route: 'download', delayMs: 1500, skip: 1, times: 1 });
    const ws = await makeWorkspace(emu);
    const running = startSync(ws);
    await waitFor(() => (emu.counters().requests.download ?? 0) >= 2);
    emu.seedObject('doc.bin', after, opaque ? { hash: 'S3-uploaded-object-etag-0002', md5: false } : { parts: [2 * MiB, MiB] });
    const run = await running;
    expect(emu.counters().ranges.some((r) => r.key === 'doc.bin' && r.start > 0)).toBe(true);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/the object changed since it was listed/);
    await expect(fsp.stat(path.join(ws.root, 'doc.bin'))).rejects.toThrow(/ENOENT/);
    // The next run fetches the new version whole (no Range from a partial of the old one).
    emu.resetCounters();
    const next = await ws.run('sync');
    expect(next.code, next.stderr).toBe(0);
    expect(emu.counters().ranges).toEqual([]);
    expect((await fsp.readFile(path.join(ws.root, 'doc.bin'))).equals(after)).toBe(true);
  });

  it('left by an earlier run restarts when the object changed since', async () => {
    const before = bytes(3 * MiB, 9);
    const after = bytes(3 * MiB, 10);
    seed('doc.bin', before);
    const opaque = hashKind(emu.objects().get('doc.bin')!.hash) === 'opaque';
    const ws = await makeWorkspace(emu);
    // A run that gets half the bytes and gives up leaves a partial file of this version.
    emu.addFault({ route: 'download', truncate: true, times: 1 });
    ws.env.QJOURNAL_RETRY_ATTEMPTS = '1';
    expect((await ws.run('sync')).code).toBe(5);
    delete ws.env.QJOURNAL_RETRY_ATTEMPTS;
    const [partial] = await fsp.readdir(path.join(ws.root, '.qjournal/tmp'));
    expect((await fsp.stat(path.join(ws.root, '.qjournal/tmp', partial))).size).toBeGreaterThan(0);
    emu.seedObject('doc.bin', after, opaque ? { hash: 'S3-uploaded-object-etag-0003', md5: false } : { parts: [2 * MiB, MiB] });
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(emu.counters().ranges).toEqual([]);
    expect((await fsp.readFile(path.join(ws.root, 'doc.bin'))).equals(after)).toBe(true);
  });
});

describe('opaque hashes (no local computation reproduces them)', () => {
  it('downloaded once, shown as unverified, and the next run transfers nothing', async () => {
    const data = bytes(200 * KiB, 11);
    emu.seedObject('s3/object.bin', data, { hash: OPAQUE, md5: false });
    emu.seedObject('s3/with-md5.bin', data, { hash: 'S3-uploaded-object-etag-0004' });
    emu.seed({ 'plain.txt': 'hello' });
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect((await fsp.readFile(path.join(ws.root, 's3/object.bin'))).equals(data)).toBe(true);
    expect(checkRow(ws, 's3/object.bin')).toMatchObject({ verified_by: 'size', hash_kind: 'opaque' });
    expect(checkRow(ws, 's3/with-md5.bin')).toMatchObject({ verified_by: 'md5', hash_kind: 'opaque' });

    const text = await ws.run('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^unverified\s+s3\/object\.bin .*checked by size only/m);
    expect(text.stdout).toMatch(/^unverified\s+s3\/with-md5\.bin .*checked by MD5/m);
    expect(text.stdout).toMatch(/^2 unverified copies$/m);
    const json = JSON.parse((await ws.run('status', '--json')).stdout);
    expect(json.unverified).toEqual([
      { key: 's3/object.bin', path: 's3/object.bin', hashKind: 'opaque', checkedBy: 'size' },
      { key: 's3/with-md5.bin', path: 's3/with-md5.bin', hashKind: 'opaque', checkedBy: 'md5' },
    ]);
    expect(json.counts['in-sync']).toBe(3);

    emu.resetCounters();
    const again = await ws.run('sync');
    expect(again.code, again.stderr).toBe(0);
    expect(requestsOf(emu, 'download', 'stat', ...UPLOAD_ROUTES)).toBe(0);
  });

  it('checked by MD5 when listed: a corrupted download never lands', async () => {
    emu.seedObject('s3/object.bin', bytes(200 * KiB, 12), { hash: OPAQUE });
    emu.corruptObject('s3/object.bin');
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/content MD5 [0-9a-f]{32} does not match the listed [0-9a-f]{32}/);
    await expect(fsp.stat(path.join(ws.root, 's3/object.bin'))).rejects.toThrow(/ENOENT/);
  });

  it('a touched copy (even without MD5) is not uploaded, and identical bytes with an MD5 are recorded', async () => {
    const data = bytes(200 * KiB, 13);
    emu.seedObject('a.bin', data, { hash: OPAQUE, md5: false });
    emu.seedObject('b.bin', data, { hash: 'S3-uploaded-object-etag-0005' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both' } });
    await localTree(ws.root, { 'b.bin': data });
    expect((await ws.run('sync')).code).toBe(0);
    expect(Object.keys(await readTree(ws.root)).sort()).toEqual(['a.bin', 'b.bin']);
    expect(requestsOf(emu, ...UPLOAD_ROUTES)).toBe(0);
    const later = new Date(Date.now() + 60_000);
    await fsp.utimes(path.join(ws.root, 'a.bin'), later, later);
    emu.resetCounters();
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(requestsOf(emu, ...UPLOAD_ROUTES, 'download')).toBe(0);
    expect(emu.objects().get('a.bin')!.hash).toBe(OPAQUE);
  });
});
