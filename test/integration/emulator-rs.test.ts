import qiniu from 'qiniu';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call, rawRequest, sdkFor, type EmulatorSdk } from '../helpers/emulator-sdk.js';

// Contract: the real `qiniu` SDK's management calls (rsf list, rs ops, batch, uc) against the emulator.
let emu: Emulator;
let sdk: EmulatorSdk;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  sdk = sdkFor(emu);
});
afterAll(async () => {
  await emu?.close();
});
beforeEach(() => emu.reset());

async function listAll(options: { prefix?: string; delimiter?: string; limit?: number }) {
  const pages: { items: string[]; commonPrefixes: string[]; marker: string }[] = [];
  let marker = '';
  do {
    const { data, resp } = await call(sdk.bucketManager.listPrefix(emu.bucket, { ...options, marker }));
    expect(resp.statusCode).toBe(200);
    marker = data.marker ?? '';
    pages.push({ items: data.items.map((i: { key: string }) => i.key), commonPrefixes: data.commonPrefixes ?? [], marker });
  } while (marker);
  return pages;
}

describe('list (rsf)', () => {
  it('pages 2,500 keys by marker with limit 1000', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) objects[`k/${String(i).padStart(5, '0')}`] = `v${i}`;
    emu.seed(objects);
    const pages = await listAll({ limit: 1000 });
    expect(pages.map((p) => p.items.length)).toEqual([1000, 1000, 500]);
    expect(pages[0].marker).not.toBe('');
    expect(pages.flatMap((p) => p.items)).toEqual(Object.keys(objects));
    expect(emu.counters().requests.list).toBe(3);
  });

  it('answers the item fields the CLI reads, putTime as exact integer digits', async () => {
    emu.seed({ 'a.txt': 'hello' });
    const { data } = await call(sdk.bucketManager.listPrefix(emu.bucket, {}));
    const stored = emu.objects().get('a.txt')!;
    expect(data.items).toEqual([
      { key: 'a.txt', hash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN', fsize: 5, mimeType: 'text/plain', putTime: stored.putTime, type: 0, md5: '5d41402abc4b2a76b9719d911017c592' },
    ]);
    expect(stored.putTime).toBeGreaterThan(2 ** 53);
    expect(Math.floor(stored.putTime / 1e7)).toBeCloseTo(Date.now() / 1000, -1);
    // The wire text carries the digits themselves (no exponent, no rounding).
    const path = `/list?bucket=${emu.bucket}`;
    const raw = await rawRequest(emu, { path, headers: { Authorization: qiniu.util.generateAccessToken(sdk.mac, emu.url + path) } });
    expect(raw.status).toBe(200);
    expect(raw.body.toString()).toContain(`"putTime":${BigInt(stored.putTime)}`);
  });

  it('groups by delimiter into commonPrefixes, counting them against the limit', async () => {
    emu.seed({ 'a/1': '', 'a/2': '', 'a/b/3': '', 'b/1': '', c: '', 'd/x': '', e: '' });
    const top = await listAll({ delimiter: '/' });
    expect(top).toEqual([{ items: ['c', 'e'], commonPrefixes: ['a/', 'b/', 'd/'], marker: '' }]);
    const under = await listAll({ prefix: 'a/', delimiter: '/' });
    expect(under).toEqual([{ items: ['a/1', 'a/2'], commonPrefixes: ['a/b/'], marker: '' }]);
    const paged = await listAll({ delimiter: '/', limit: 2 });
    expect(paged.map((p) => p.items.length + p.commonPrefixes.length)).toEqual([2, 2, 1]);
    expect(paged.flatMap((p) => p.items)).toEqual(['c', 'e']);
    expect(paged.flatMap((p) => p.commonPrefixes)).toEqual(['a/', 'b/', 'd/']);
    const prefixOnly = await listAll({ prefix: 'a/' });
    expect(prefixOnly.flatMap((p) => p.items)).toEqual(['a/1', 'a/2', 'a/b/3']);
  });

  it('orders keys by UTF-8 bytes', async () => {
    const keys = ['a', 'B', 'é', '\uE000', '😀', 'z', 'ab'];
    emu.seed(Object.fromEntries(keys.map((k) => [k, k])));
    const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect((await listAll({})).flatMap((p) => p.items)).toEqual(expected);
    expect([...emu.objects().keys()]).toEqual(expected);
    const byOne = await listAll({ limit: 1 });
    expect(byOne.flatMap((p) => p.items)).toEqual(expected);
  });

  it('refuses another bucket (631) and a bad marker (640)', async () => {
    expect((await call(sdk.bucketManager.listPrefix('other-bucket', {}))).resp.statusCode).toBe(631);
    const bad = await call(sdk.bucketManager.listPrefix(emu.bucket, { marker: '!!not-a-marker' }));
    expect(bad.resp.statusCode).toBe(640);
  });
});

describe('rs operations', () => {
  it('stat answers metadata, 612 for a missing key, 631 for another bucket', async () => {
    emu.seed({ 'dir/a b.txt': 'hello' });
    const { data, resp } = await call(sdk.bucketManager.stat(emu.bucket, 'dir/a b.txt'));
    expect(resp.statusCode).toBe(200);
    expect(data).toMatchObject({ fsize: 5, hash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN', mimeType: 'text/plain', type: 0, md5: '5d41402abc4b2a76b9719d911017c592' });
    expect(data.putTime).toBe(emu.objects().get('dir/a b.txt')!.putTime);
    const missing = await call(sdk.bucketManager.stat(emu.bucket, 'nope'));
    expect(missing.resp.statusCode).toBe(612);
    expect(missing.data).toEqual({ error: 'no such file or directory' });
    expect((await call(sdk.bucketManager.stat('other-bucket', 'dir/a b.txt'))).resp.statusCode).toBe(631);
  });

  it('move keeps hash and putTime, refuses an existing destination (614) unless forced', async () => {
    emu.seed({ a: 'A', b: 'B' });
    const before = emu.objects().get('a')!;
    const moved = await call(sdk.bucketManager.move(emu.bucket, 'a', emu.bucket, 'a2', { force: false }));
    expect(moved.resp.statusCode).toBe(200);
    expect(moved.data).toBeNull();
    expect(emu.objects().has('a')).toBe(false);
    expect(emu.objects().get('a2')).toMatchObject({ hash: before.hash, putTime: before.putTime, fsize: 1 });
    const clash = await call(sdk.bucketManager.move(emu.bucket, 'a2', emu.bucket, 'b', { force: false }));
    expect(clash.resp.statusCode).toBe(614);
    expect(clash.data).toEqual({ error: 'file exists' });
    expect(emu.getObject('b')!.toString()).toBe('B');
    const forced = await call(sdk.bucketManager.move(emu.bucket, 'a2', emu.bucket, 'b', { force: true }));
    expect(forced.resp.statusCode).toBe(200);
    expect(emu.getObject('b')!.toString()).toBe('A');
    expect((await call(sdk.bucketManager.move(emu.bucket, 'gone', emu.bucket, 'x', {}))).resp.statusCode).toBe(612);
  });

  it('copy keeps the source, refuses an existing destination unless forced', async () => {
    emu.seed({ src: 'S', dst: 'D' });
    expect((await call(sdk.bucketManager.copy(emu.bucket, 'src', emu.bucket, 'dst', { force: false }))).resp.statusCode).toBe(614);
    const forced = await call(sdk.bucketManager.copy(emu.bucket, 'src', emu.bucket, 'dst', { force: true }));
    expect(forced.resp.statusCode).toBe(200);
    expect(emu.getObject('src')!.toString()).toBe('S');
    expect(emu.getObject('dst')!.toString()).toBe('S');
    expect(emu.objects().get('dst')!.hash).toBe(emu.objects().get('src')!.hash);
    expect((await call(sdk.bucketManager.copy(emu.bucket, 'src', emu.bucket, 'new', {}))).resp.statusCode).toBe(200);
  });

  it('delete removes, then 612', async () => {
    emu.seed({ x: 'x' });
    const first = await call(sdk.bucketManager.delete(emu.bucket, 'x'));
    expect(first.resp.statusCode).toBe(200);
    expect(emu.objects().has('x')).toBe(false);
    expect((await call(sdk.bucketManager.delete(emu.bucket, 'x'))).resp.statusCode).toBe(612);
  });

  it('chgm changes the MIME type only', async () => {
    emu.seed({ 'f.bin': 'data' });
    const before = emu.objects().get('f.bin')!;
    const res = await call(sdk.bucketManager.changeMime(emu.bucket, 'f.bin', 'image/png'));
    expect(res.resp.statusCode).toBe(200);
    const { data } = await call(sdk.bucketManager.stat(emu.bucket, 'f.bin'));
    expect(data).toMatchObject({ mimeType: 'image/png', hash: before.hash, putTime: before.putTime });
    expect((await call(sdk.bucketManager.changeMime(emu.bucket, 'missing', 'text/plain'))).resp.statusCode).toBe(612);
  });

  it('batch answers 298 with per-op codes when some op fails, 200 when all succeed', async () => {
    emu.seed({ a: 'hello', b: 'b', c: 'c' });
    const ops = [
      qiniu.rs.statOp(emu.bucket, 'a'),
      qiniu.rs.statOp(emu.bucket, 'missing'),
      qiniu.rs.deleteOp(emu.bucket, 'b'),
      qiniu.rs.moveOp(emu.bucket, 'c', emu.bucket, 'd'),
      qiniu.rs.copyOp(emu.bucket, 'a', emu.bucket, 'd'),
      qiniu.rs.changeMimeOp(emu.bucket, 'a', 'text/x-test'),
    ];
    const { data, resp } = await call(sdk.bucketManager.batch(ops));
    expect(resp.statusCode).toBe(298);
    expect(data.map((r: { code: number }) => r.code)).toEqual([200, 612, 200, 200, 614, 200]);
    expect(data[0].data).toMatchObject({ hash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN', fsize: 5 });
    expect(data[1]).toEqual({ code: 612, data: { error: 'no such file or directory' } });
    expect(data[2]).toEqual({ code: 200 });
    expect([...emu.objects().keys()]).toEqual(['a', 'd']);
    expect(emu.objects().get('a')!.mimeType).toBe('text/x-test');

    const allOk = await call(sdk.bucketManager.batch([qiniu.rs.statOp(emu.bucket, 'a'), qiniu.rs.statOp(emu.bucket, 'd')]));
    expect(allOk.resp.statusCode).toBe(200);
    expect(allOk.data.map((r: { code: number }) => r.code)).toEqual([200, 200]);
  });
});

describe('management auth', () => {
  it('refuses a wrong secret key with 401 bad token on list, stat, move and batch', async () => {
    emu.seed({ a: 'a' });
    const wrong = sdkFor(emu, { secretKey: 'not-the-secret' });
    const results = await Promise.all([
      call(wrong.bucketManager.listPrefix(emu.bucket, {})),
      call(wrong.bucketManager.stat(emu.bucket, 'a')),
      call(wrong.bucketManager.move(emu.bucket, 'a', emu.bucket, 'b', {})),
      call(wrong.bucketManager.batch([qiniu.rs.deleteOp(emu.bucket, 'a')])),
    ]);
    for (const r of results) {
      expect(r.resp.statusCode).toBe(401);
      expect(r.data).toEqual({ error: 'bad token' });
    }
    expect(emu.objects().has('a')).toBe(true);
    const wrongAk = sdkFor(emu, { accessKey: 'someone-else' });
    expect((await call(wrongAk.bucketManager.stat(emu.bucket, 'a'))).resp.statusCode).toBe(401);
  });

  it('refuses an unsigned management call and one whose body was altered after signing', async () => {
    emu.seed({ a: 'a' });
    expect((await rawRequest(emu, { method: 'POST', path: '/delete/' + qiniu.util.encodedEntry(emu.bucket, 'a') })).status).toBe(401);
    const body = `op=${encodeURIComponent(qiniu.rs.statOp(emu.bucket, 'a'))}`;
    const auth = qiniu.util.generateAccessToken(sdk.mac, `${emu.url}/batch`, body);
    const headers = { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' };
    expect((await rawRequest(emu, { method: 'POST', path: '/batch', headers, body })).status).toBe(200);
    const tampered = `op=${encodeURIComponent(qiniu.rs.deleteOp(emu.bucket, 'a'))}`;
    expect((await rawRequest(emu, { method: 'POST', path: '/batch', headers, body: tampered })).status).toBe(401);
    expect(emu.objects().has('a')).toBe(true);
  });

  it('accepts the legacy QBox signature and Qiniu signatures without X-Qiniu-Date', async () => {
    emu.seed({ a: 'a' });
    const path = `/stat/${qiniu.util.encodedEntry(emu.bucket, 'a')}`;
    const qbox = await rawRequest(emu, { path, headers: { Authorization: qiniu.util.generateAccessToken(sdk.mac, emu.url + path) } });
    expect(qbox.status).toBe(200);
    const noDate = new qiniu.auth.digest.Mac(emu.accessKey, emu.secretKey, { disableQiniuTimestampSignature: true });
    const bm = new qiniu.rs.BucketManager(noDate, sdk.config);
    expect((await call(bm.stat(emu.bucket, 'a'))).resp.statusCode).toBe(200);
  });

  it('verifies Qiniu signatures over the Host header as sent, and over node\'s doubled-port variant', async () => {
    emu.seed({ a: 'a' });
    const path = `/stat/${qiniu.util.encodedEntry(emu.bucket, 'a')}`;
    const host = new URL(emu.url).host;
    const signed = (signingHost: string) => {
      const text = `GET ${path}\nHost: ${signingHost}\nContent-Type: application/x-www-form-urlencoded\n\n`;
      return `Qiniu ${emu.accessKey}:${qiniu.util.base64ToUrlSafe(qiniu.util.hmacSha1(text, emu.secretKey))}`;
    };
    const get = (auth: string) => rawRequest(emu, { path, headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect((await get(signed(host))).status).toBe(200);
    expect((await get(signed(`${host}:${emu.port}`))).status).toBe(200);
    expect((await get(signed('example.com'))).status).toBe(401);
  });

  it('refuses a Qiniu signature whose X-Qiniu-Date is far off (403)', async () => {
    emu.seed({ a: 'a' });
    const path = `/stat/${qiniu.util.encodedEntry(emu.bucket, 'a')}`;
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Qiniu-Date': '20000101T000000Z' };
    headers.Authorization = qiniu.util.generateAccessTokenV2(sdk.mac, emu.url + path, 'GET', headers['Content-Type'], undefined, headers);
    expect((await rawRequest(emu, { path, headers })).status).toBe(403);
  });
});

describe('uc and region query', () => {
  it('an SDK without a static region finds every service through /v4/query', async () => {
    emu.seed({ a: 'hello' });
    const host = new URL(emu.url).host;
    const config = new qiniu.conf.Config({
      useHttpsDomain: false,
      queryRegionsEndpointsProvider: new qiniu.httpc.StaticEndpointsProvider([new qiniu.httpc.Endpoint(host, { defaultScheme: 'http' })]),
      regionsQueryResultCachePath: null,
    } as never);
    const bm = new qiniu.rs.BucketManager(sdk.mac, config);
    const { resp, data } = await call(bm.stat(emu.bucket, 'a'));
    expect(resp.statusCode).toBe(200);
    expect(data.hash).toBe('Fqr0xh3cxeii2r7eDztILNmuqUNN');
    expect(emu.counters().requests.query).toBeGreaterThanOrEqual(1);
  });

  it('lists the bucket and its domain', async () => {
    const buckets = await call(sdk.bucketManager.listBucket());
    expect(buckets.resp.statusCode).toBe(200);
    expect(buckets.data).toEqual([emu.bucket]);
    const domains = await call(sdk.bucketManager.listBucketDomains(emu.bucket));
    expect(domains.resp.statusCode).toBe(200);
    expect(JSON.stringify(domains.data)).toContain(new URL(emu.url).host);
  });
});
