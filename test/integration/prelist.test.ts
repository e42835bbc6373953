import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { RemoteError } from '../../src/errors.js';
import { hostsFromEndpoints } from '../../src/remote/kodo-hosts.js';
import { QiniuStore } from '../../src/remote/qiniu-store.js';
import { startPrelist } from '../../src/sync/prelist.js';
import { storeFor } from '../helpers/store.js';
import { requestsOf } from '../helpers/workspace.js';

// The listing a sync starts before its lock (src/sync/prelist.ts): the access check, then pages read ahead.

let emu: Emulator;
let store: QiniuStore;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  store = storeFor(emu);
  const objects: Record<string, string> = {};
  for (let i = 0; i < 20_500; i++) objects[`k/${String(i).padStart(6, '0')}`] = `${i}`;
  emu.seed(objects);
});
afterAll(async () => {
  store?.close();
  await emu?.close();
});

describe('startPrelist', () => {
  it('fails as the access check does, on wrong keys', async () => {
    const endpoints = { rs: emu.url, rsf: emu.url, up: emu.url, api: emu.url, uc: emu.url };
    const wrong = new QiniuStore({ name: emu.bucket, domain: emu.domain, private: false, prefix: '' }, hostsFromEndpoints(endpoints, null), { accessKey: emu.accessKey, secretKey: 'wrong' });
    const err = await startPrelist(wrong, '').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(String(err)).toMatch(/401/);
    wrong.close();
  });

  it('hands out the whole listing from its first page, and fetches no further once closed', async () => {
    const all: string[] = [];
    for await (const page of store.listPages('')) all.push(...page.map((o) => o.key));
    const prelist = await startPrelist(store, '');
    const read: string[] = [];
    for await (const page of prelist.pages) read.push(...page.map((o) => o.key));
    expect(read).toEqual(all);

    const before = requestsOf(emu, 'list');
    const stopped = await startPrelist(store, '');
    await stopped.pages.next();
    await stopped.close();
    // Whatever was in flight arrives; then nothing more.
    await new Promise((r) => setTimeout(r, 50));
    const after = requestsOf(emu, 'list');
    // The first page, 8 read ahead, and the one the listing itself asks ahead.
    expect(after - before).toBeLessThanOrEqual(10);
    await new Promise((r) => setTimeout(r, 100));
    expect(requestsOf(emu, 'list')).toBe(after);
  });
});
