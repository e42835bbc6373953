import http from 'node:http';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import qiniu from 'qiniu';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { qetag } from '../../src/core/qetag.js';
import { configSnippet, startEmulator } from '../../src/emulator/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { call, pseudoRandom, rawRequest, sdkFor } from '../helpers/emulator-sdk.js';

// Fault injection, counters, the control API, persistence and robustness, driven with plain fetch / node:http.
const emu = useEmulator();
beforeEach(() => emu.reset());

/** GET through node:http, keeping whatever arrived before the connection ended (or broke). */
function partialGet(url: string): Promise<{ status: number; declared: number; received: number; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let received = 0;
      const done = (error?: string) => resolve({ status: res.statusCode ?? 0, declared: Number(res.headers['content-length']), received, error });
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('end', () => done());
      res.on('error', (err) => done(err.message));
    });
    req.on('error', (err) => resolve({ status: 0, declared: -1, received: 0, error: err.message }));
  });
}

describe('faults', () => {
  it('status with times: the next N matching requests fail, without side effects; then the fault is gone', async () => {
    emu.seed({ a: 'aaaa' });
    emu.addFault({ route: 'download', status: 503, times: 2 });
    emu.addFault({ route: 'delete', status: 500, times: 1 });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${emu.url}/a`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'injected fault' });
    }
    expect(await (await fetch(`${emu.url}/a`)).text()).toBe('aaaa');
    const bm = sdkFor(emu).bucketManager;
    expect((await call(bm.delete(emu.bucket, 'a'))).resp.statusCode).toBe(500);
    expect(emu.objects().has('a')).toBe(true);
    expect((await call(bm.delete(emu.bucket, 'a'))).resp.statusCode).toBe(200);
  });

  it('skip lets the first K matching requests through, then the fault applies', async () => {
    emu.seed({ a: 'aaaa' });
    emu.addFault({ route: 'download', status: 503, skip: 2, times: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${emu.url}/a`)).status);
    expect(statuses).toEqual([200, 200, 503, 200]);
  });

  it('truncate sends the full Content-Length but about half the body, then drops the connection', async () => {
    const content = pseudoRandom(1 << 20, 5);
    emu.seed({ 'big.bin': content });
    emu.addFault({ route: 'download', truncate: true, times: 1 });
    const cut = await partialGet(`${emu.url}/big.bin`);
    expect(cut.status).toBe(200);
    expect(cut.declared).toBe(content.length);
    expect(cut.received).toBeLessThan(content.length);
    expect(cut.received).toBeGreaterThan(0);
    expect(cut.error).toBeDefined();
    const whole = await partialGet(`${emu.url}/big.bin`);
    expect([whole.received, whole.error]).toEqual([content.length, undefined]);
  });

  it('faults queue up: a status answer does not use up a truncate fault', async () => {
    emu.seed({ q: pseudoRandom(10_000) });
    emu.addFault({ route: 'download', status: 503, times: 2 });
    emu.addFault({ route: 'download', truncate: true, times: 1 });
    emu.addFault({ route: 'download', delayMs: 1, times: 3 });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await partialGet(`${emu.url}/q`);
      seen.push(r.status === 200 && r.received < r.declared ? 'truncated' : String(r.status));
    }
    expect(seen).toEqual(['503', '503', 'truncated', '200']);
  });

  it('reset destroys the socket without an answer', async () => {
    emu.seed({ a: 'a' });
    emu.addFault({ route: 'download', reset: true, times: 1 });
    const broken = await partialGet(`${emu.url}/a`);
    expect(broken.status).toBe(0);
    expect(broken.error).toMatch(/socket hang up|ECONNRESET/);
    expect((await partialGet(`${emu.url}/a`)).status).toBe(200);
    expect(emu.counters().requests.download).toBe(2);
  });

  it('delay and throttle slow a request down; probability 0 never applies, 1 always', async () => {
    emu.seed({ s: pseudoRandom(200_000) });
    emu.addFault({ route: 'download', delayMs: 150, times: 1 });
    let t0 = Date.now();
    await (await fetch(`${emu.url}/s`)).arrayBuffer();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    emu.addFault({ route: 'download', throttleBytesPerSec: 1 << 20, times: 1 });
    t0 = Date.now();
    const body = Buffer.from(await (await fetch(`${emu.url}/s`)).arrayBuffer());
    expect(body.length).toBe(200_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);

    emu.addFault({ route: 'download', status: 500, probability: 0 });
    emu.addFault({ route: 'head', status: 502, probability: 1 });
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${emu.url}/s`)).status).toBe(200);
      expect((await fetch(`${emu.url}/s`, { method: 'HEAD' })).status).toBe(502);
    }
    emu.clearFaults();
    expect((await fetch(`${emu.url}/s`, { method: 'HEAD' })).status).toBe(200);
  });

  it('a throttled upload body is read slowly (a killed client has sent only part)', async () => {
    const sdk = sdkFor(emu);
    emu.addFault({ route: 'form-upload', throttleBytesPerSec: 2 << 20 });
    const data = pseudoRandom(600_000, 9);
    const t0 = Date.now();
    const res = await call(sdk.formUploader.put(sdk.uploadToken(), 'slow.bin', data, null));
    expect(res.resp.statusCode).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(emu.objects().get('slow.bin')!.hash).toBe(qetag(data));
  });
});

describe('counters', () => {
  it('counts requests, body bytes in and out per route', async () => {
    const sdk = sdkFor(emu);
    const data = pseudoRandom(50_000, 2);
    await call(sdk.formUploader.put(sdk.uploadToken(), 'c.bin', data, null));
    await call(sdk.bucketManager.stat(emu.bucket, 'c.bin'));
    await (await fetch(`${emu.url}/c.bin`)).arrayBuffer();
    await (await fetch(`${emu.url}/c.bin`, { headers: { Range: 'bytes=100-199' } })).arrayBuffer();
    const c = emu.counters();
    expect(c.requests).toEqual({ 'form-upload': 1, stat: 1, download: 2 });
    expect(c.bytesIn['form-upload']).toBeGreaterThan(data.length);
    expect(c.bytesOut.download).toBe(data.length + 100);
    expect(c.ranges).toEqual([{ key: 'c.bin', start: 100, end: 199 }]);
    emu.resetCounters();
    expect(emu.counters()).toEqual({ requests: {}, bytesIn: {}, bytesOut: {}, ranges: [] });
  });
});

describe('control API', () => {
  it('seeds, lists, injects faults, reads counters and resets over HTTP', async () => {
    const post = (p: string, body?: unknown) => fetch(`${emu.url}/_emulator/${p}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await post('seed', { 'a.txt': 'hello', 'b.bin': { base64: Buffer.from([1, 2, 3]).toString('base64') } })).status).toBe(200);
    const objects = (await (await fetch(`${emu.url}/_emulator/objects`)).json()) as { key: string; hash: string }[];
    expect(objects.map((o) => [o.key, o.hash])).toEqual([
      ['a.txt', 'Fqr0xh3cxeii2r7eDztILNmuqUNN'],
      ['b.bin', qetag(Buffer.from([1, 2, 3]))],
    ]);
    expect(Buffer.from(await (await fetch(`${emu.url}/_emulator/object?key=b.bin`)).arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));
    expect((await post('faults', [{ route: 'download', status: 503, times: 1 }])).status).toBe(200);
    expect((await fetch(`${emu.url}/a.txt`)).status).toBe(503);
    expect((await post('faults', { route: 'download', times: -1 })).status).toBe(400);
    expect((await post('rename', { from: 'a.txt', to: 'c.txt' })).status).toBe(200);
    expect((await post('corrupt', { key: 'c.txt' })).status).toBe(200);
    expect((await post('delete', { key: 'b.bin' })).status).toBe(200);
    expect([...emu.objects().keys()]).toEqual(['c.txt']);
    const counters = (await (await fetch(`${emu.url}/_emulator/counters`)).json()) as { requests: Record<string, number> };
    expect(counters.requests.download).toBe(1);
    expect((await fetch(`${emu.url}/_emulator/counters`, { method: 'DELETE' })).status).toBe(200);
    expect((await post('reset')).status).toBe(200);
    expect(emu.objects().size).toBe(0);
  });

  it('configSnippet points every endpoint at the emulator', () => {
    const text = configSnippet(emu);
    expect(text).toContain(`[bucket]\nname = ${emu.bucket}\ndomain = ${emu.url}\nprivate = false`);
    for (const service of ['rs', 'rsf', 'up', 'api', 'uc']) expect(text).toContain(`${service} = ${emu.url}`);
  });
});

describe('robustness', () => {
  it('survives clients that vanish mid-upload and mid-download, and keeps serving', async () => {
    emu.seed({ big: pseudoRandom(8 << 20, 4) });
    const url = new URL(emu.url);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path: `/buckets/${emu.bucket}/objects/~/uploads/x/1`, headers: { 'Content-Length': '1000000', Authorization: 'UpToken a:b:c' } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(1000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise<void>((resolve) => {
      const req = http.get(`${emu.url}/big`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => resolve());
    });
    const res = await fetch(`${emu.url}/big`, { headers: { Range: 'bytes=0-9' } });
    expect(res.status).toBe(206);
    expect((await rawRequest(emu, { method: 'PATCH', path: '/' })).status).toBe(405);
    expect((await rawRequest(emu, { method: 'POST', path: '/', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: 'garbage' })).status).toBe(400);
  });
});

describe('dataDir persistence', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'emulator-data-'));
  });
  afterAll(async () => {
    await fsp.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps objects and multipart sessions across a restart', async () => {
    const keys = { accessKey: 'ak-persist', secretKey: 'sk-persist' };
    const first = await startEmulator({ port: 0, dataDir, bucket: 'kept', ...keys });
    first.seed({ 'a/b.txt': 'persisted', '../odd key?.txt': 'odd' });
    const sdk = sdkFor(first);
    const uploaded = pseudoRandom(100_000, 8);
    expect((await call(sdk.formUploader.put(sdk.uploadToken(), 'up.bin', uploaded, null))).resp.statusCode).toBe(200);
    first.renameObject('a/b.txt', 'a/c.txt');
    first.deleteObject('../odd key?.txt');
    const token = sdk.uploadToken();
    const base = `/buckets/kept/objects/${qiniu.util.urlsafeBase64Encode('multi.bin')}/uploads`;
    const init = JSON.parse((await rawRequest(first, { method: 'POST', path: base, headers: { Authorization: `UpToken ${token}` } })).body.toString());
    const part = pseudoRandom(1 << 20, 1);
    const put = JSON.parse((await rawRequest(first, { method: 'PUT', path: `${base}/${init.uploadId}/1`, headers: { Authorization: `UpToken ${token}` }, body: part })).body.toString());
    const before = first.objects();
    await first.close();

    const second = await startEmulator({ port: 0, dataDir, bucket: 'kept', ...keys });
    try {
      const after = second.objects();
      expect([...after.keys()]).toEqual(['a/c.txt', 'up.bin']);
      for (const key of after.keys()) {
        expect(after.get(key)).toEqual(before.get(key));
      }
      expect(second.getObject('up.bin')!.equals(uploaded)).toBe(true);
      const done = await rawRequest(second, {
        method: 'POST',
        path: `${base}/${init.uploadId}`,
        headers: { Authorization: `UpToken ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ parts: [{ etag: put.etag, partNumber: 1 }] }),
      });
      expect(done.status).toBe(200);
      expect(second.objects().get('multi.bin')!.hash).toBe(qetag(part));
      second.seed({ late: 'x' });
      expect(second.objects().get('late')!.putTime).toBeGreaterThan(before.get('up.bin')!.putTime);
    } finally {
      await second.close();
    }
  });
});
