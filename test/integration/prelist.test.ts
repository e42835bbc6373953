import { beforeAll, describe, expect, it } from 'vitest';
import { RemoteError } from '../../src/errors.js';
import { startPrelist } from '../../src/sync/prelist.js';
import { storeFor, useEmulatorStore } from '../helpers/store.js';
import { requestsOf } from '../helpers/workspace.js';

// The listing a sync starts before its lock (src/sync/prelist.ts): the access check, then pages read ahead.

const { emu, store } = useEmulatorStore();
beforeAll(() => {
  const objects: Record<string, string> = {};
  for (let i = 0; i < 20_500; i++) objects[`k/${String(i).padStart(6, '0')}`] = `${i}`;
  emu.seed(objects);
});

describe('startPrelist', () => {
  it('fails as the access check does, on wrong keys', async () => {
    const wrong = storeFor(emu, 'wrong');
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
