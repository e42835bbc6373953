import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { qetagOfBlocks } from '../core/qetag-of-blocks.js';
import { LocalChangedError, RemoteError } from '../errors.js';
import { runPool } from '../core/pool.js';
import type { Pacer } from './bandwidth.js';
import { remoteErrorFromStatus, uploadSucceeded } from './classify.js';
import { httpRequest } from './http-request.js';

/** 4 MiB parts: then the object's hash is the plain qetag of the file (shared/qiniu-protocol.md §7). */
export const PART_SIZE = 4 << 20;
const PART_TIMEOUT_MS = 120_000;

export interface FinishedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** A multipart upload in progress, journaled so a killed run resumes without resending finished parts. */
export interface UploadSession {
  key: string;
  localPath: string;
  localSize: number;
  localMtimeMs: number;
  uploadId: string;
  partSize: number;
  expireAt: number;
  parts: FinishedPart[];
}

/** Where sessions are kept (the journal implements this). */
export interface UploadSessionStore {
  load(key: string, localPath: string): Promise<UploadSession | null>;
  save(session: Omit<UploadSession, 'parts'>): Promise<void>;
  recordPart(uploadId: string, part: FinishedPart): Promise<void>;
  drop(uploadId: string): Promise<void>;
}

/**
 * Resumable upload v2 with parts sent in parallel (the SDK sends them one at a time). Finished parts are journaled
 * as they complete; an upload id the server no longer knows (612) is dropped and the upload restarts cleanly.
 * Returns the server's answer to `complete` ({hash, key, ...returnBody}).
 */
export async function multipartUpload(opts: {
  upBase: string;
  bucket: string;
  key: string;
  localPath: string;
  token: string;
  sessions?: UploadSessionStore;
  partConcurrency: number;
  agent?: http.Agent;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  pace?: Pacer;
  /** The qetag the file had when planned: the parts read must add up to it, or the upload is aborted. */
  expectHash?: string;
}): Promise<Record<string, unknown>> {
  try {
    return await attempt(opts);
  } catch (err) {
    if (err instanceof RemoteError && err.status === 612) {
      // The server forgot the upload id (expired or aborted): forget it too and start over once with a fresh one.
      const stale = await opts.sessions?.load(opts.key, opts.localPath);
      if (stale) await opts.sessions?.drop(stale.uploadId);
      return attempt(opts);
    }
    throw err;
  }
}

async function attempt(opts: Parameters<typeof multipartUpload>[0]): Promise<Record<string, unknown>> {
  const { key, localPath, sessions } = opts;
  const st = await fsp.stat(localPath);
  const base = `${opts.upBase}/buckets/${encodeURIComponent(opts.bucket)}/objects/${urlsafeBase64(key)}/uploads`;
  const auth = { Authorization: `UpToken ${opts.token}` };
  const operation = `upload ${key}`;
  const now = Math.floor(Date.now() / 1000);

  let session = sessions ? await sessions.load(key, localPath) : null;
  if (session && (session.localSize !== st.size || session.localMtimeMs !== st.mtimeMs || session.expireAt <= now + 60 || session.partSize !== PART_SIZE)) {
    await sessions?.drop(session.uploadId);
    session = null;
  }
  if (session) {
    // The server's own list: parts it acknowledged that the journal never got to record (a kill in between).
    for (const part of await listServerParts(`${base}/${encodeURIComponent(session.uploadId)}`, auth, operation, opts.agent)) {
      const expected = Math.min(PART_SIZE, st.size - (part.partNumber - 1) * PART_SIZE);
      if (part.size !== expected || session.parts.some((p) => p.partNumber === part.partNumber)) continue;
      session.parts.push(part);
      await sessions?.recordPart(session.uploadId, part);
    }
  }
  if (!session) {
    const res = await httpRequest({ url: base, method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, timeoutMs: PART_TIMEOUT_MS, operation, agent: opts.agent });
    const body = parseJson(res.body);
    if (res.status !== 200) throw remoteErrorFromStatus(operation, res.status, body);
    session = {
      key,
      localPath,
      localSize: st.size,
      localMtimeMs: st.mtimeMs,
      uploadId: String(body.uploadId),
      partSize: PART_SIZE,
      expireAt: Number(body.expireAt ?? now + 7 * 86400),
      parts: [],
    };
    await sessions?.save(session);
  }

  const partCount = Math.max(1, Math.ceil(st.size / PART_SIZE));
  const done = new Map(session.parts.map((p) => [p.partNumber, p]));
  let sent = [...done.values()].reduce((n, p) => n + p.size, 0);
  opts.onProgress?.(sent, st.size);
  const todo = Array.from({ length: st.size === 0 ? 0 : partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  // SHA-1 of each part as read (a part is one qetag block): their qetag is what the object will be.
  const blockSha1 = new Map<number, Buffer>();
  const fh = await fsp.open(localPath, 'r');
  const uploadUrl = `${base}/${encodeURIComponent(session.uploadId)}`;
  try {
    await runPool(todo, opts.partConcurrency, async (partNumber) => {
      const start = (partNumber - 1) * PART_SIZE;
      const size = Math.min(PART_SIZE, st.size - start);
      const buf = Buffer.allocUnsafe(size);
      await fh.read(buf, 0, size, start);
      blockSha1.set(partNumber, createHash('sha1').update(buf).digest());
      const md5 = createHash('md5').update(buf).digest('hex');
      let partSent = 0;
      const res = await httpRequest({
        url: `${base}/${encodeURIComponent(session!.uploadId)}/${partNumber}`,
        method: 'PUT',
        headers: { ...auth, 'Content-Type': 'application/octet-stream', 'Content-MD5': md5 },
        body: buf,
        timeoutMs: PART_TIMEOUT_MS,
        operation: `${operation} part ${partNumber}`,
        agent: opts.agent,
        pace: opts.pace,
        onSent: (n) => {
          partSent += n;
          sent += n;
          opts.onProgress?.(sent, st.size);
        },
      }).catch((err) => {
        sent -= partSent;
        throw err;
      });
      const body = parseJson(res.body);
      if (res.status !== 200 || body.md5 !== md5) {
        sent -= partSent;
        throw res.status === 200 ? new RemoteError('integrity', `${operation} part ${partNumber}`, 'part MD5 mismatch') : remoteErrorFromStatus(`${operation} part ${partNumber}`, res.status, body);
      }
      const part = { partNumber, etag: String(body.etag), size };
      done.set(partNumber, part);
      await sessions?.recordPart(session!.uploadId, part);
    });
    // Only bytes that existed together may be committed: the file must still be the version the session began with,
    // and what was read must be the version the run planned (its qetag). Otherwise abort: nothing is committed.
    for (const partNumber of done.keys()) {
      if (blockSha1.has(partNumber)) continue;
      const start = (partNumber - 1) * PART_SIZE;
      const buf = Buffer.allocUnsafe(Math.min(PART_SIZE, st.size - start));
      await fh.read(buf, 0, buf.length, start);
      blockSha1.set(partNumber, createHash('sha1').update(buf).digest());
    }
    const now = await fh.stat();
    const read = st.size === 0 ? null : qetagOfBlocks([...blockSha1.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d));
    const why =
      now.size !== session.localSize || now.mtimeMs !== session.localMtimeMs
        ? `size or mtime moved from ${session.localSize} bytes at ${session.localMtimeMs} to ${now.size} bytes at ${now.mtimeMs}`
        : opts.expectHash !== undefined && read !== null && read !== opts.expectHash
          ? `the bytes read hash to ${read}, the file hashed to ${opts.expectHash} when planned`
          : null;
    if (why !== null) {
      await abortUpload(uploadUrl, auth, operation, opts.agent);
      await sessions?.drop(session.uploadId);
      throw new LocalChangedError(key, why);
    }
  } finally {
    await fh.close();
  }

  const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ etag: p.etag, partNumber: p.partNumber }));
  const res = await httpRequest({
    url: `${base}/${encodeURIComponent(session.uploadId)}`,
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: Buffer.from(JSON.stringify({ parts, fname: path.basename(localPath), mimeType: 'application/octet-stream' })),
    timeoutMs: PART_TIMEOUT_MS,
    operation,
    agent: opts.agent,
  });
  const body = parseJson(res.body);
  if (!uploadSucceeded(res.status)) {
    if (res.status === 612) await sessions?.drop(session.uploadId);
    throw remoteErrorFromStatus(operation, res.status, body);
  }
  await sessions?.drop(session.uploadId);
  return body;
}

/** The parts the server holds for an upload id (all pages). A 612 (id unknown) is thrown: the caller starts over. */
async function listServerParts(uploadUrl: string, auth: Record<string, string>, operation: string, agent?: http.Agent): Promise<FinishedPart[]> {
  const parts: FinishedPart[] = [];
  for (let marker = 0; ; ) {
    const res = await httpRequest({ url: `${uploadUrl}?max-parts=1000&part-number-marker=${marker}`, method: 'GET', headers: auth, timeoutMs: 15_000, operation, agent });
    const body = parseJson(res.body);
    if (res.status !== 200) throw remoteErrorFromStatus(operation, res.status, body);
    for (const p of (body.parts ?? []) as { partNumber: number; etag: string; size: number }[]) {
      parts.push({ partNumber: Number(p.partNumber), etag: String(p.etag), size: Number(p.size) });
    }
    marker = Number(body.partNumberMarker ?? 0);
    if (!marker) return parts;
  }
}

/** DELETE the upload id: the server forgets its parts. Best effort (an id left behind expires in 7 days). */
async function abortUpload(uploadUrl: string, auth: Record<string, string>, operation: string, agent?: http.Agent): Promise<void> {
  await httpRequest({ url: uploadUrl, method: 'DELETE', headers: auth, timeoutMs: 15_000, operation, agent }).catch(() => {});
}

export function urlsafeBase64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function parseJson(buf: Buffer): Record<string, any> {
  try {
    return JSON.parse(buf.toString('utf8') || 'null') ?? {};
  } catch {
    return {};
  }
}
