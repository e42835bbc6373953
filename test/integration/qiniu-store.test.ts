import { beforeEach, describe, expect, it } from 'vitest';
import { RemoteError } from '../../src/errors.js';
import { useEmulatorStore } from '../helpers/store.js';

// The RemoteStore on the real qiniu SDK against the emulator: what the sync engine relies on, call by call.
const { emu, store } = useEmulatorStore();
beforeEach(() => emu.reset());

describe('moveMany', () => {
  it('sends the moves as one batch and reports each outcome in order: moved, target exists (614), source gone (612)', async () => {
    emu.seed({ a: 'A', c: 'C', d: 'D (already there)' });
    const outcomes = await store.moveMany([
      { from: 'a', to: 'moved/a' },
      { from: 'c', to: 'd' },
      { from: 'missing', to: 'x' },
    ]);
    expect(outcomes[0]).toEqual({ ok: true });
    expect(outcomes[1]).toMatchObject({ ok: false, error: { kind: 'exists', status: 614 } });
    expect(outcomes[2]).toMatchObject({ ok: false, error: { kind: 'not-found', status: 612 } });
    expect(emu.counters().requests.batch).toBe(1);
    expect([...emu.objects().keys()].sort()).toEqual(['c', 'd', 'moved/a']);
    expect(emu.getObject('d')!.toString()).toBe('D (already there)');
  });

  it('splits more than 1,000 moves into batches of at most 1,000', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) files[`old/${i}`] = `v${i}`;
    emu.seed(files);
    const outcomes = await store.moveMany(Object.keys(files).map((k) => ({ from: k, to: k.replace('old/', 'new/') })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(emu.counters().requests.batch).toBe(2);
    expect([...emu.objects().keys()].every((k) => k.startsWith('new/'))).toBe(true);
  });

  it('retries a batch the server failed as a whole (5xx), then throws a typed error once it keeps failing', async () => {
    emu.seed({ a: 'A' });
    emu.addFault({ route: 'batch', status: 503, times: 1 });
    expect(await store.moveMany([{ from: 'a', to: 'b' }])).toEqual([{ ok: true }]);
    emu.addFault({ route: 'batch', status: 401 });
    const err = await store.moveMany([{ from: 'b', to: 'c' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ kind: 'auth', status: 401 });
  });
});

describe('listing and stat with needparts', () => {
  it('carry the part sizes of an etag-v2 object and the MD5 of an opaque one, nothing extra for qetags', async () => {
    emu.seed({ plain: 'hello' });
    emu.seedObject('v2', Buffer.alloc(3000, 1), { parts: [1000, 2000] });
    emu.seedObject('opaque', 'bytes', { hash: 'made-by-another-upload-path' });
    const listed = new Map<string, unknown>();
    for await (const o of store.list('')) listed.set(o.key, o);
    expect(listed.get('v2')).toMatchObject({ parts: [1000, 2000] });
    expect((listed.get('v2') as { hash: string }).hash[0]).toBe('n');
    expect(listed.get('opaque')).toMatchObject({ md5: emu.objects().get('opaque')!.md5 });
    expect(listed.get('plain')).not.toHaveProperty('parts');
    expect(listed.get('plain')).not.toHaveProperty('md5');
    expect(await store.stat('v2')).toMatchObject({ parts: [1000, 2000] });
  });

  it('a download reports the ETag (the hash) and the origin that served it', async () => {
    emu.seed({ a: 'hello' });
    const { body, etag, servedBy } = await store.openDownload('a');
    body.resume();
    expect(etag).toBe('Fqr0xh3cxeii2r7eDztILNmuqUNN');
    expect(servedBy).toBe(emu.url);
  });
});
