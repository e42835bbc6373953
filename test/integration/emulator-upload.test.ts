import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import qiniu from 'qiniu';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { etagV2, qetag } from '../../src/core/qetag.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call, pseudoRandom, sdkFor, type EmulatorSdk } from '../helpers/emulator-sdk.js';

// Contract: the real `qiniu` SDK's uploads (form, resumable v1 and v2) against the emulator.
const MiB = 1 << 20;
let emu: Emulator;
let sdk: EmulatorSdk;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  sdk = sdkFor(emu);
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'emulator-upload-'));
});
afterAll(async () => {
  await emu?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});
beforeEach(() => emu.reset());

async function tempFile(name: string, data: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await fsp.writeFile(file, data);
  return file;
}

/** The stored bytes are exactly what was sent and the stored hash is their qetag. */
function expectStored(key: string, data: Buffer): void {
  const stored = emu.objects().get(key);
  expect(stored, `object ${key}`).toBeDefined();
  expect(stored!.data.equals(data)).toBe(true);
  expect(stored!.hash).toBe(qetag(data));
  expect(stored!.fsize).toBe(data.length);
  expect(stored!.md5).toBe(createHash('md5').update(data).digest('hex'));
}

const v2Base = (key: string | null) => `${emu.url}/buckets/${emu.bucket}/objects/${key === null ? '~' : qiniu.util.urlsafeBase64Encode(key)}/uploads`;
const upAuth = (token: string) => ({ Authorization: `UpToken ${token}` });
const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('form upload (POST /)', () => {
  it('putFile: chunked multipart with crc32 after the file part', async () => {
    const data = pseudoRandom(300_000, 7);
    const file = await tempFile('photo.txt', data);
    const { data: answer, resp } = await call(sdk.formUploader.putFile(sdk.uploadToken(), 'docs/photo.txt', file, null));
    expect(resp.statusCode).toBe(200);
    expect(answer).toMatchObject({ key: 'docs/photo.txt', hash: qetag(data) });
    expectStored('docs/photo.txt', data);
    expect(emu.objects().get('docs/photo.txt')!.mimeType).toBe('text/plain');
    expect(emu.counters().bytesIn['form-upload']).toBeGreaterThan(data.length);
  });

  it('put of a Buffer, with and without a key', async () => {
    const data = Buffer.from('hello');
    const withKey = await call(sdk.formUploader.put(sdk.uploadToken(), 'greeting', data, null));
    expect(withKey.resp.statusCode).toBe(200);
    expect(withKey.data).toMatchObject({ key: 'greeting', hash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN' });
    expectStored('greeting', data);
    const keyless = await call(sdk.formUploader.putWithoutKey(sdk.uploadToken(), Buffer.from('no key'), null));
    expect(keyless.resp.statusCode).toBe(200);
    expect(keyless.data.key).toBe(qetag(Buffer.from('no key')));
    expectStored(keyless.data.key, Buffer.from('no key'));
    const scoped = await call(sdk.formUploader.putWithoutKey(sdk.uploadToken({ scope: `${emu.bucket}:scoped.txt` }), Buffer.from('s'), null));
    expect(scoped.data.key).toBe('scoped.txt');
  });

  it('a wrong crc32 is refused with 406 and nothing is stored', async () => {
    const extra = new qiniu.form_up.PutExtra('x.bin', {}, undefined, '12345');
    const { data, resp } = await call(sdk.formUploader.put(sdk.uploadToken(), 'x.bin', Buffer.from('payload'), extra));
    expect(resp.statusCode).toBe(406);
    expect(data).toHaveProperty('error');
    expect(emu.objects().size).toBe(0);
  });

  it('renders returnBody with magic and custom variables', async () => {
    const token = sdk.uploadToken({ returnBody: '{"key":"$(key)","hash":"$(etag)","fsize":$(fsize),"mimeType":"$(mimeType)","who":"$(x:who)"}' });
    const extra = new qiniu.form_up.PutExtra('q"uote.json', { 'x:who': 'tester' });
    const { data } = await call(sdk.formUploader.put(token, 'k "quoted".json', Buffer.from('{}'), extra));
    expect(data).toEqual({ key: 'k "quoted".json', hash: qetag(Buffer.from('{}')), fsize: 2, mimeType: 'application/json', who: 'tester' });
  });
});

describe('resumable upload', () => {
  const nineMiB = pseudoRandom(9 * MiB, 3);

  it('v1 (mkblk/mkfile) of a 9 MiB file', async () => {
    const file = await tempFile('big-v1.bin', nineMiB);
    const extra = qiniu.resume_up.PutExtra.create('big-v1.bin', { 'x:foo': 'bar' }, undefined, undefined, undefined, undefined, 'v1');
    const { data, resp } = await call(sdk.resumeUploader.putFile(sdk.uploadToken(), 'big/v1.bin', file, extra));
    expect(resp.statusCode).toBe(200);
    expect(data).toMatchObject({ key: 'big/v1.bin', hash: qetag(nineMiB) });
    expectStored('big/v1.bin', nineMiB);
    expect(emu.counters().requests).toMatchObject({ 'v1-mkblk': 3, 'v1-mkfile': 1 });
  });

  it('v2 (init/parts/complete) of a 9 MiB file, with a resume recorder', async () => {
    const file = await tempFile('big-v2.bin', nineMiB);
    const recorderDir = path.join(dir, 'records');
    const extra = qiniu.resume_up.PutExtra.create();
    extra.resumeRecorder = qiniu.resume_up.createResumeRecorderSync(recorderDir);
    const { data, resp } = await call(sdk.resumeUploader.putFileV2(sdk.uploadToken(), 'big/v2.bin', file, extra));
    expect(resp.statusCode).toBe(200);
    expect(data).toMatchObject({ key: 'big/v2.bin', hash: qetag(nineMiB) });
    expectStored('big/v2.bin', nineMiB);
    expect(emu.counters().requests).toMatchObject({ 'v2-init': 1, 'v2-part': 3, 'v2-complete': 1 });
    expect(emu.counters().bytesIn['v2-part']).toBe(nineMiB.length);
    expect(await fsp.readdir(recorderDir)).toEqual([]); // the SDK deletes its record after a 200
  });

  it('v2 of an empty file (complete with no parts) and without a key', async () => {
    const file = await tempFile('empty.bin', Buffer.alloc(0));
    const { data, resp } = await call(sdk.resumeUploader.putFileV2(sdk.uploadToken(), null, file, null));
    expect(resp.statusCode).toBe(200);
    expect(data.key).toBe('Fto5o-5ea0sNMlW_75VgGJCv2AcJ');
    expectStored(data.key, Buffer.alloc(0));
  });

  it('v2 with parts that are not 4 MiB: hash is etag v2, stat needparts lists the sizes', async () => {
    const file = await tempFile('odd-parts.bin', nineMiB);
    const extra = qiniu.resume_up.PutExtra.create(undefined, undefined, undefined, undefined, undefined, 2 * MiB);
    const { data, resp } = await call(sdk.resumeUploader.putFileV2(sdk.uploadToken(), 'odd.bin', file, extra));
    expect(resp.statusCode).toBe(200);
    const sizes = [2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, MiB];
    expect(data.hash).toBe(etagV2(nineMiB, sizes));
    expect(data.hash.startsWith('n')).toBe(true);
    const stat = await fetch(`${emu.url}/stat/${qiniu.util.encodedEntry(emu.bucket, 'odd.bin')}?needparts=true`, {
      headers: { Authorization: qiniu.util.generateAccessToken(sdk.mac, `${emu.url}/stat/${qiniu.util.encodedEntry(emu.bucket, 'odd.bin')}?needparts=true`) },
    });
    expect(await stat.json()).toMatchObject({ hash: data.hash, parts: sizes });
  });

  it('v2 abort and list parts', async () => {
    const token = sdk.uploadToken();
    const init = await fetch(v2Base('parts.bin'), { method: 'POST', headers: upAuth(token) });
    expect(init.status).toBe(200);
    const { uploadId, expireAt } = (await init.json()) as { uploadId: string; expireAt: number };
    expect(expireAt).toBeGreaterThan(Date.now() / 1000 + 6 * 86400);
    const parts = [pseudoRandom(MiB, 11), pseudoRandom(MiB, 12)];
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const put = await fetch(`${v2Base('parts.bin')}/${uploadId}/${i + 1}`, {
        method: 'PUT',
        headers: { ...upAuth(token), 'Content-Type': 'application/octet-stream', 'Content-MD5': md5Hex(part) },
        body: part,
      });
      expect(put.status).toBe(200);
      const answer = (await put.json()) as { etag: string; md5: string };
      expect(answer.md5).toBe(md5Hex(part));
      etags.push(answer.etag);
    }
    const badMd5 = await fetch(`${v2Base('parts.bin')}/${uploadId}/3`, { method: 'PUT', headers: { ...upAuth(token), 'Content-MD5': md5Hex(Buffer.from('x')) }, body: 'y' });
    expect(badMd5.status).toBe(400);

    const page1 = await fetch(`${v2Base('parts.bin')}/${uploadId}?max-parts=1`, { headers: upAuth(token) });
    expect(await page1.json()).toMatchObject({ uploadId, partNumberMarker: 1, parts: [{ partNumber: 1, etag: etags[0], size: MiB }] });
    const page2 = await fetch(`${v2Base('parts.bin')}/${uploadId}?max-parts=1&part-number-marker=1`, { headers: upAuth(token) });
    expect(await page2.json()).toMatchObject({ partNumberMarker: 0, parts: [{ partNumber: 2, etag: etags[1], size: MiB }] });
    const goSpelling = await fetch(`${v2Base('parts.bin')}/${uploadId}?part-number_marker=1`, { headers: upAuth(token) });
    expect(((await goSpelling.json()) as { parts: unknown[] }).parts).toHaveLength(1);

    const abort = await fetch(`${v2Base('parts.bin')}/${uploadId}`, { method: 'DELETE', headers: upAuth(token) });
    expect(abort.status).toBe(200);
    const after = await fetch(`${v2Base('parts.bin')}/${uploadId}`, { headers: upAuth(token) });
    expect(after.status).toBe(612);
    expect(await after.json()).toEqual({ error: 'no such uploadId' });
    const complete = await fetch(`${v2Base('parts.bin')}/${uploadId}`, {
      method: 'POST',
      headers: { ...upAuth(token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ parts: etags.map((etag, i) => ({ etag, partNumber: i + 1 })) }),
    });
    expect(complete.status).toBe(612);
    expect(emu.objects().size).toBe(0);
  });

  it('v2 complete checks the listed parts', async () => {
    const token = sdk.uploadToken();
    const { uploadId } = (await (await fetch(v2Base('c.bin'), { method: 'POST', headers: upAuth(token) })).json()) as { uploadId: string };
    const part = Buffer.from('small');
    const { etag } = (await (await fetch(`${v2Base('c.bin')}/${uploadId}/1`, { method: 'PUT', headers: upAuth(token), body: part })).json()) as { etag: string };
    const complete = (parts: unknown) =>
      fetch(`${v2Base('c.bin')}/${uploadId}`, { method: 'POST', headers: { ...upAuth(token), 'Content-Type': 'application/json' }, body: JSON.stringify({ parts }) });
    expect((await complete([{ etag: 'wrong', partNumber: 1 }])).status).toBe(400);
    expect((await complete([{ etag, partNumber: 2 }])).status).toBe(400);
    const done = await complete([{ etag, partNumber: 1 }]);
    expect(done.status).toBe(200);
    expectStored('c.bin', part);
    expect((await complete([{ etag, partNumber: 1 }])).status).toBe(612); // the uploadId is gone after success
  });
});

describe('upload tokens', () => {
  it('a token signed with the wrong secret key is refused (401) on every upload API', async () => {
    const wrong = sdkFor(emu, { secretKey: 'not-the-secret' });
    const token = wrong.uploadToken();
    const form = await call(sdk.formUploader.put(token, 'k', Buffer.from('x'), null));
    expect(form.resp.statusCode).toBe(401);
    expect(form.data).toEqual({ error: 'bad token' });
    const file = await tempFile('small.bin', Buffer.from('abc'));
    const v2 = await call(sdk.resumeUploader.putFileV2(token, 'k2', file, null));
    expect(v2.resp.statusCode).toBe(401);
    const v1 = await call(sdk.resumeUploader.putFile(token, 'k3', file, qiniu.resume_up.PutExtra.create(undefined, undefined, undefined, undefined, undefined, undefined, 'v1')));
    expect(v1.resp.statusCode).toBe(401);
    expect(emu.objects().size).toBe(0);
  });

  it('an expired token is refused (401)', async () => {
    const token = sdk.uploadToken({ expires: -60 });
    const res = await call(sdk.formUploader.put(token, 'late', Buffer.from('x'), null));
    expect(res.resp.statusCode).toBe(401);
  });

  it('a key outside a bucket:key scope is refused (403)', async () => {
    const token = sdk.uploadToken({ scope: `${emu.bucket}:allowed.txt` });
    expect((await call(sdk.formUploader.put(token, 'other.txt', Buffer.from('x'), null))).resp.statusCode).toBe(403);
    expect((await call(sdk.formUploader.put(token, 'allowed.txt', Buffer.from('x'), null))).resp.statusCode).toBe(200);
    const prefixed = sdk.uploadToken({ scope: `${emu.bucket}:photos/`, isPrefixalScope: 1 });
    expect((await call(sdk.formUploader.put(prefixed, 'photos/a.jpg', Buffer.from('x'), null))).resp.statusCode).toBe(200);
    expect((await call(sdk.formUploader.put(prefixed, 'docs/a.jpg', Buffer.from('x'), null))).resp.statusCode).toBe(403);
  });

  it('insert-only: 614 for different content, success for the same hash; bucket:key overwrites', async () => {
    const first = Buffer.from('version 1');
    expect((await call(sdk.formUploader.put(sdk.uploadToken(), 'doc.txt', first, null))).resp.statusCode).toBe(200);
    const putTime = emu.objects().get('doc.txt')!.putTime;

    for (const token of [sdk.uploadToken(), sdk.uploadToken({ scope: `${emu.bucket}:doc.txt`, insertOnly: 1 })]) {
      const clash = await call(sdk.formUploader.put(token, 'doc.txt', Buffer.from('version 2'), null));
      expect(clash.resp.statusCode).toBe(614);
      expect(clash.data).toEqual({ error: 'file exists' });
      const same = await call(sdk.formUploader.put(token, 'doc.txt', first, null));
      expect(same.resp.statusCode).toBe(200);
      expect(same.data.hash).toBe(qetag(first));
    }
    expectStored('doc.txt', first);
    expect(emu.objects().get('doc.txt')!.putTime).toBe(putTime);

    const file = await tempFile('v2-clash.bin', Buffer.from('version 3'));
    const v2 = await call(sdk.resumeUploader.putFileV2(sdk.uploadToken(), 'doc.txt', file, null));
    expect(v2.resp.statusCode).toBe(614);

    const overwrite = await call(sdk.formUploader.put(sdk.uploadToken({ scope: `${emu.bucket}:doc.txt` }), 'doc.txt', Buffer.from('version 4'), null));
    expect(overwrite.resp.statusCode).toBe(200);
    expectStored('doc.txt', Buffer.from('version 4'));
    expect(emu.objects().get('doc.txt')!.putTime).toBeGreaterThan(putTime);
  });
});
