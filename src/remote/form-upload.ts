import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import * as zlib from 'node:zlib';
import { RemoteError } from '../errors.js';
import { crc32 as crc32InJs } from '../core/crc32.js';
import { httpRequest } from './http-request.js';

/** A small file's whole form upload gets this long (connect, send, answer). */
const FORM_TIMEOUT_MS = 60_000;

/**
 * One Kodo form upload (`POST /` multipart/form-data: token, key, file, crc32; shared/qiniu-protocol.md §5.1) of bytes
 * already in memory, over the caller's keep-alive agent. The SDK's `FormUploader` does the same form but opens a new
 * connection per file (urllib without an agent), builds it through formstream and computes the CRC in JavaScript:
 * for many small files that was most of the CPU of an upload. The token still comes from the SDK (signing).
 *
 * The file part is declared `application/octet-stream`, as in our multipart uploads: Kodo then picks the MIME type
 * from the name. Resolves with the answer's status and parsed body (the caller decides what a status means); throws
 * only for network failures (RemoteError 'network', retried like any).
 */
export async function formUpload(opts: {
  upBase: string;
  token: string;
  key: string;
  fname: string;
  bytes: Buffer;
  agent: http.Agent;
  operation: string;
}): Promise<{ status: number; data: any }> {
  const boundary = `----qjournal${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  // The SDK's escaping of the file name (https://html.spec.whatwg.org/#multipart-form-data).
  const fname = opts.fname.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const head =
    field('token', opts.token) +
    field('key', opts.key) +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fname}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n${field('crc32', String(crc32(opts.bytes)))}--${boundary}--\r\n`;
  const res = await httpRequest({
    url: `${opts.upBase}/`,
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([Buffer.from(head, 'utf8'), opts.bytes, Buffer.from(tail, 'utf8')]),
    agent: opts.agent,
    timeoutMs: FORM_TIMEOUT_MS,
    operation: opts.operation,
  });
  let data: any = null;
  try {
    data = res.body.length > 0 ? JSON.parse(res.body.toString('utf8')) : null;
  } catch {
    if (res.status === 200) throw new RemoteError('protocol', opts.operation, 'the upload answer is not JSON');
  }
  return { status: res.status, data };
}

/** IEEE CRC-32 (the form's `crc32` field): zlib's native one where Node has it (20.15+), else core's. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  return native ? native(data) >>> 0 : crc32InJs(data);
}
