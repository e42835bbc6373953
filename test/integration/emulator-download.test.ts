import qiniu from 'qiniu';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { qetag } from '../../src/core/qetag.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { rawRequest, sdkFor } from '../helpers/emulator-sdk.js';

// Contract: downloads from the emulator's download domain (public and private), as a CLI fetches them.
const encodePath = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/');

describe('public downloads', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => emu.reset());

  it('GET answers the bytes with ETag, Content-Length, Content-Type, Last-Modified and X-Reqid', async () => {
    emu.seed({ 'docs/readme.txt': 'hello' });
    const res = await fetch(`${emu.domain}/docs/readme.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(res.headers.get('etag')).toBe('"Fqr0xh3cxeii2r7eDztILNmuqUNN"');
    expect(res.headers.get('content-length')).toBe('5');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('x-reqid')).toMatch(/^[0-9a-f]{16}$/);
    const lastModified = Date.parse(res.headers.get('last-modified')!);
    expect(Math.abs(lastModified - emu.objects().get('docs/readme.txt')!.putTime / 1e4)).toBeLessThan(1000);
    expect(emu.counters().bytesOut.download).toBe(5);
  });

  it('Range gives 206 with Content-Range, an unsatisfiable one 416; ranges are counted as served', async () => {
    emu.seed({ 'r.bin': '0123456789' });
    const get = (range: string) => fetch(`${emu.domain}/r.bin`, { headers: { Range: range } });
    const mid = await get('bytes=2-5');
    expect(mid.status).toBe(206);
    expect(mid.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(mid.headers.get('content-length')).toBe('4');
    expect(mid.headers.get('etag')).toBe(`"${qetag(Buffer.from('0123456789'))}"`);
    expect(await mid.text()).toBe('2345');
    const open = await get('bytes=7-');
    expect([open.status, await open.text()]).toEqual([206, '789']);
    const suffix = await get('bytes=-3');
    expect([suffix.status, await suffix.text()]).toEqual([206, '789']);
    const clamped = await get('bytes=8-100');
    expect([clamped.status, clamped.headers.get('content-range'), await clamped.text()]).toEqual([206, 'bytes 8-9/10', '89']);
    const beyond = await get('bytes=10-');
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10');
    await beyond.arrayBuffer();
    expect(emu.counters().ranges).toEqual([
      { key: 'r.bin', start: 2, end: 5 },
      { key: 'r.bin', start: 7, end: 9 },
      { key: 'r.bin', start: 7, end: 9 },
      { key: 'r.bin', start: 8, end: 9 },
      { key: 'r.bin', start: 10, end: -1 },
    ]);
    expect(emu.counters().bytesOut.download).toBe(4 + 3 + 3 + 2 + JSON.stringify({ error: 'requested range not satisfiable' }).length);
  });

  it('HEAD answers the headers only; a missing key is 404 Document not found', async () => {
    emu.seed({ 'h.txt': 'head me' });
    const head = await fetch(`${emu.domain}/h.txt`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('7');
    expect(head.headers.get('etag')).toBe(`"${qetag(Buffer.from('head me'))}"`);
    expect(await head.text()).toBe('');
    expect(emu.counters().requests.head).toBe(1);
    const missing = await fetch(`${emu.domain}/nope.txt`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Document not found' });
    expect((await fetch(`${emu.domain}/nope.txt`, { method: 'HEAD' })).status).toBe(404);
  });

  it('decodes percent-encoded keys; a query (cache buster) never changes the key', async () => {
    const keys = ['dir/a b.txt', 'a?b', 'a#b', '100%.txt', 'plus+sign', 'semi;colon&amp', '中文/文件.txt', '😀.bin', 'list', 'stat/x'];
    emu.seed(Object.fromEntries(keys.map((k) => [k, `content of ${k}`])));
    for (const key of keys) {
      const res = await fetch(`${emu.domain}/${encodePath(key)}?v=${Date.now()}`);
      expect([key, res.status, await res.text()]).toEqual([key, 200, `content of ${key}`]);
    }
    const allSlashesEncoded = await fetch(`${emu.domain}/${encodeURIComponent('dir/a b.txt')}`);
    expect(await allSlashesEncoded.text()).toBe('content of dir/a b.txt');
  });

  it('serves dot-segment keys sent with %2F or as a raw path through node:http', async () => {
    emu.seed({ '../evil.txt': 'evil', 'a/./b': 'dot', 'a//b': 'double' });
    expect((await fetch(`${emu.domain}/..%2Fevil.txt`)).status).toBe(200);
    const raw = await rawRequest(emu, { path: '/../evil.txt' });
    expect([raw.status, raw.body.toString()]).toEqual([200, 'evil']);
    expect((await rawRequest(emu, { path: '/a/./b' })).body.toString()).toBe('dot');
    expect((await rawRequest(emu, { path: '/a//b' })).body.toString()).toBe('double');
    expect((await rawRequest(emu, { path: `/${encodeURIComponent('a/./b')}` })).body.toString()).toBe('dot');
    expect((await rawRequest(emu, { path: '/bad%E0%A4%A' })).status).toBe(400);
  });

  it('corruptObject serves other bytes under the listed hash and size', async () => {
    emu.seed({ 'c.txt': 'original content' });
    const listed = emu.objects().get('c.txt')!;
    emu.corruptObject('c.txt');
    const body = Buffer.from(await (await fetch(`${emu.domain}/c.txt`)).arrayBuffer());
    expect(body.length).toBe(listed.fsize);
    expect(qetag(body)).not.toBe(listed.hash);
    expect(emu.objects().get('c.txt')!.hash).toBe(listed.hash);
  });
});

describe('private downloads', () => {
  let emu: Emulator;
  let bm: qiniu.rs.BucketManager;
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, private: true });
    bm = sdkFor(emu).bucketManager;
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => emu.reset());

  it('accepts the SDK privateDownloadUrl (GET and HEAD)', async () => {
    emu.seed({ 'secret/plan a.txt': 'classified' });
    const url = bm.privateDownloadUrl(emu.domain, 'secret/plan a.txt', inAnHour());
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('classified');
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(url, { headers: { Range: 'bytes=0-4' } })).status).toBe(206);
  });

  it('accepts a URL signed over our own key encoding, including keys the SDK encodes wrongly', async () => {
    emu.seed({ 'a?b#c.txt': 'odd', '../evil.txt': 'evil' });
    const sign = (pathPart: string) => {
      const base = `${emu.domain}/${pathPart}?e=${inAnHour()}`;
      return `${base}&token=${emu.accessKey}:${qiniu.util.base64ToUrlSafe(qiniu.util.hmacSha1(base, emu.secretKey))}`;
    };
    expect(await (await fetch(sign(encodePath('a?b#c.txt')))).text()).toBe('odd');
    expect(await (await fetch(sign(encodeURIComponent('../evil.txt')))).text()).toBe('evil');
  });

  it('refuses unsigned, tampered, expired and wrong-key URLs with 401', async () => {
    emu.seed({ 'p.txt': 'private', 'q.txt': 'other' });
    const good = bm.privateDownloadUrl(emu.domain, 'p.txt', inAnHour());
    const unsigned = await fetch(`${emu.domain}/p.txt`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toHaveProperty('error');
    const tamperedSign = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await fetch(tamperedSign)).status).toBe(401);
    expect((await fetch(good.replace('/p.txt', '/q.txt'))).status).toBe(401);
    expect((await fetch(good.replace(/e=\d+/, `e=${inAnHour() + 100}`))).status).toBe(401);
    const expired = bm.privateDownloadUrl(emu.domain, 'p.txt', Math.floor(Date.now() / 1000) - 10);
    expect((await fetch(expired)).status).toBe(401);
    const otherKey = new qiniu.rs.BucketManager(new qiniu.auth.digest.Mac(emu.accessKey, 'wrong-secret'), sdkFor(emu).config);
    expect((await fetch(otherKey.privateDownloadUrl(emu.domain, 'p.txt', inAnHour()))).status).toBe(401);
    expect((await fetch(good, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${emu.domain}/p.txt`, { method: 'HEAD' })).status).toBe(401);
    // Parameters after the token are ignored; a missing key is still 404 once signed.
    expect((await fetch(`${good}&cachebust=1`)).status).toBe(200);
    expect((await fetch(bm.privateDownloadUrl(emu.domain, 'missing.txt', inAnHour()))).status).toBe(404);
  });
});
