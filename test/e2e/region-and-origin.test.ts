import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { bucketContents, localTree, makeWorkspace, requestsOf, UPLOAD_ROUTES, type Workspace } from '../helpers/workspace.js';

// Issue #11: the region found by itself (and cached), the "incorrect region" answer as a configuration error, and
// downloads from the bucket's source domain, a CDN's stale bytes never being the backup.

/** A workspace whose config.ini is exactly `sections` (makeWorkspace's defaults set every endpoint and the domain). */
async function workspaceWith(emu: Emulator, sections: Record<string, Record<string, string>>): Promise<Workspace> {
  const ws = await makeWorkspace(emu);
  const text = Object.entries(sections)
    .map(([section, values]) => `[${section}]\n${Object.entries(values).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`)
    .join('\n');
  await fsp.writeFile(ws.configPath, text);
  return ws;
}

function journalRows<T>(ws: Workspace, sql: string): T[] {
  const db = new Database(path.join(ws.root, '.qjournal/journal.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const servedBy = (ws: Workspace) =>
  Object.fromEntries(journalRows<{ key: string; served_by: string | null }>(ws, 'select key, served_by from file_checks').map((r) => [r.key, r.served_by]));

describe('a bucket in z2', () => {
  const emu = useEmulator({ region: 'z2', otherRegion: true, cdn: true });
  beforeEach(() => emu.reset());

  it('region = auto (the default) finds its hosts from the query alone; the answer is cached for its ttl', async () => {
    emu.seed({ 'remote.txt': 'from the bucket' });
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket },
      local: { root: './backup' },
      sync: { direction: 'both' },
      endpoints: { uc: emu.url },
    });
    await localTree(ws.root, { 'local.txt': 'from the folder' });

    const first = await ws.run('sync');
    expect(first.code, first.stderr).toBe(0);
    expect(requestsOf(emu, 'query')).toBe(1);
    expect(await fsp.readFile(path.join(ws.root, 'remote.txt'), 'utf8')).toBe('from the bucket');
    expect(bucketContents(emu)['local.txt']).toBe('from the folder');
    // No domain: downloads came from the source domain the query named (io_src), not a CDN.
    expect(requestsOf(emu, 'download')).toBe(1);
    expect(requestsOf(emu, 'cdn-download')).toBe(0);
    expect(servedBy(ws)).toEqual({ 'remote.txt': emu.url });
    const [cached] = journalRows<{ bucket: string; asked: string; answer: string; expires_at: number }>(ws, 'select * from region_cache');
    expect(cached.bucket).toBe(emu.bucket);
    expect(cached.asked).toBe(`${emu.url} ${emu.accessKey}`);
    expect(JSON.parse(cached.answer).hosts[0].region).toBe('z2');
    expect(cached.expires_at).toBeGreaterThan(Date.now() + 86_000_000);

    // The next run (and status) trust the cache: no query.
    emu.resetCounters();
    emu.seed({ 'second.txt': '2' });
    const second = await ws.run('sync');
    expect(second.code, second.stderr).toBe(0);
    expect(await ws.run('status').then((r) => r.code)).toBe(0);
    expect(requestsOf(emu, 'query')).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'second.txt'), 'utf8')).toBe('2');

    // An expired answer is asked for again.
    const db = new Database(path.join(ws.root, '.qjournal/journal.db'));
    db.prepare('update region_cache set expires_at = ?').run(Date.now() - 1);
    db.close();
    const third = await ws.run('sync');
    expect(third.code, third.stderr).toBe(0);
    expect(requestsOf(emu, 'query')).toBe(1);
    expect(journalRows<{ expires_at: number }>(ws, 'select expires_at from region_cache')[0].expires_at).toBeGreaterThan(Date.now());
  });

  it('a wrong explicit region: exit 3 before any action, naming the bucket\'s region and what to write', async () => {
    emu.seed({ 'remote.txt': 'r' });
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket, region: 'z0' },
      local: { root: './backup' },
      sync: { direction: 'both' },
      endpoints: { uc: emu.url },
    });
    await localTree(ws.root, { 'local.txt': 'l' });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`bucket "${emu.bucket}" is in region z2, not z0: set "region = z2" (or "region = auto") in [bucket] of ${ws.configPath}`);
    expect(requestsOf(emu, ...UPLOAD_ROUTES, 'list', 'download')).toBe(0);
    expect(bucketContents(emu)).toEqual({ 'remote.txt': 'r' });
    expect(await fsp.readFile(path.join(ws.root, 'local.txt'), 'utf8')).toBe('l');
  });

  it('another region\'s hosts: the upload\'s "incorrect region" answer is exit 3 with the advice, never retried, nothing lost', async () => {
    emu.seed({ 'remote.txt': 'r' });
    const other = emu.otherRegionUrl!;
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket, domain: emu.url },
      local: { root: './backup' },
      sync: { direction: 'up', concurrency: '1' },
      endpoints: { rs: other, rsf: other, up: other, api: other, uc: other },
    });
    await localTree(ws.root, { 'local.txt': 'l', 'other.txt': 'o' });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`bucket "${emu.bucket}" is in region z2, not the region [endpoints] points at`);
    expect(run.stderr).toContain('incorrect region, please use up-z2.qiniup.com');
    // One upload was tried, once; the second was never started.
    expect(requestsOf(emu, ...UPLOAD_ROUTES)).toBe(1);
    expect(bucketContents(emu)).toEqual({ 'remote.txt': 'r' });
    expect(await fsp.readFile(path.join(ws.root, 'local.txt'), 'utf8')).toBe('l');
    expect(await fsp.readFile(path.join(ws.root, 'other.txt'), 'utf8')).toBe('o');
  });

  it('an unreachable region query: exit 4 before anything is touched', async () => {
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket },
      local: { root: './backup' },
      endpoints: { uc: 'http://127.0.0.1:1' },
    });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/region query for bucket "demo-bucket" at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(existsSync(ws.root)).toBe(false);
  });

  it('through a CDN serving stale bytes after an overwrite: retried from the origin, the new bytes are the backup (small and streamed)', async () => {
    const bigV1 = randomBytes(2 << 20);
    const bigV2 = randomBytes(2 << 20);
    emu.seed({ 'small.txt': 'small v1', 'big.bin': bigV1 });
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket, domain: emu.cdnUrl! },
      local: { root: './backup' },
      sync: { direction: 'down' },
      endpoints: { uc: emu.url },
    });
    const first = await ws.run('sync');
    expect(first.code, first.stderr).toBe(0);
    expect(requestsOf(emu, 'cdn-download')).toBe(2);
    expect(servedBy(ws)).toEqual({ 'small.txt': emu.cdnUrl, 'big.bin': emu.cdnUrl });

    // Overwritten at the origin; the CDN node keeps serving v1 (and its ETag) for now.
    emu.seed({ 'small.txt': 'small v2', 'big.bin': bigV2 });
    emu.resetCounters();
    const second = await ws.run('sync');
    expect(second.code, second.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'small.txt'), 'utf8')).toBe('small v2');
    expect((await fsp.readFile(path.join(ws.root, 'big.bin'))).equals(bigV2)).toBe(true);
    for (const key of ['small.txt', 'big.bin']) {
      expect(second.stderr).toContain(`[WARN] Download of ${key} from ${emu.cdnUrl} failed its check (download ${key}: ${emu.cdnUrl} says the object changed since it was listed`);
    }
    expect(second.stderr).toContain(`trying once more from the origin ${emu.url}`);
    expect(requestsOf(emu, 'cdn-download')).toBe(2);
    expect(requestsOf(emu, 'download')).toBe(2);
    expect(servedBy(ws)).toEqual({ 'small.txt': emu.url, 'big.bin': emu.url });
  });

  it('bytes a CDN changed under the same ETag (image slimming): not fetched from it again, the origin\'s are kept', async () => {
    const big = randomBytes(2 << 20);
    emu.seed({ 'photo.jpg': 'original bytes', 'big.bin': big });
    emu.addFault({ route: 'cdn-download', corrupt: true, times: 10 });
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket, domain: emu.cdnUrl! },
      local: { root: './backup' },
      sync: { direction: 'down' },
      endpoints: { uc: emu.url },
    });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'photo.jpg'), 'utf8')).toBe('original bytes');
    expect((await fsp.readFile(path.join(ws.root, 'big.bin'))).equals(big)).toBe(true);
    expect(run.stderr).toMatch(/\[WARN\] Download of photo\.jpg from .* failed its check \(download photo\.jpg: content hash .* does not match/);
    expect(requestsOf(emu, 'cdn-download')).toBe(2);
    expect(requestsOf(emu, 'download')).toBe(2);
    expect(servedBy(ws)).toEqual({ 'photo.jpg': emu.url, 'big.bin': emu.url });
  });
});

describe('a private bucket with no domain', () => {
  const emu = useEmulator({ private: true, region: 'z1' });
  beforeEach(() => emu.reset());

  it('downloads from the source domain with signed URLs', async () => {
    emu.seed({ 'p.txt': 'private bytes' });
    const ws = await workspaceWith(emu, {
      bucket: { name: emu.bucket, private: 'true' },
      local: { root: './backup' },
      sync: { direction: 'down' },
      endpoints: { uc: emu.url },
    });
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'p.txt'), 'utf8')).toBe('private bytes');
    expect(servedBy(ws)).toEqual({ 'p.txt': emu.url });
    // The emulator answers 401 to an unsigned download of a private bucket: the one download was signed.
    expect(requestsOf(emu, 'download')).toBe(1);
  });
});
