import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { RemoteError } from '../errors.js';
import { runPool } from '../sync/pool.js';
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
  const fh = await fsp.open(localPath, 'r');
  try {
    await runPool(todo, opts.partConcurrency, async (partNumber) => {
      const start = (partNumber - 1) * PART_SIZE;
      const size = Math.min(PART_SIZE, st.size - start);
      const buf = Buffer.allocUnsafe(size);
      await fh.read(buf, 0, size, start);
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
