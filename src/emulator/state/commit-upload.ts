import { randomUUID } from 'node:crypto';
import { qetag } from '../../core/qetag.js';
import type { Bucket } from './bucket.js';
import { checkKey } from './object-key.js';
import { KodoError, fileExists } from './kodo-error.js';
import { OCTET_STREAM, mimeAllowed, mimeFromName } from './mime.js';
import type { ObjectRecord } from './types.js';
import type { UploadGrant } from './upload-grant.js';

export interface UploadInput {
  /** The key the client asked for; undefined when it sent none. */
  key: string | undefined;
  data: Buffer;
  /** Part sizes of a v2 multipart upload: the hash is then etag v2 (= qetag when the parts are 4 MiB). */
  hash?: string;
  parts?: number[];
  /** The client's declared MIME type. */
  mimeType?: string;
  fname?: string;
  /** Custom variables (`x:name` → value) for returnBody. */
  vars: Record<string, string>;
  /** `x-qn-meta-*` metadata (names without the prefix). */
  meta: Record<string, string>;
  /** Resumable v1 overwrites under a bare `bucket` scope unless insertOnly is set (protocol §2.3). */
  bareScopeOverwrites?: boolean;
}

/** The key an upload lands on: explicit key, else saveKey, else the scope's key, else the content hash. */
export function resolveKey(grant: UploadGrant, requested: string | undefined, data?: Buffer, fname?: string, vars: Record<string, string> = {}): string | undefined {
  const { policy } = grant;
  let key = requested;
  if (policy.saveKey && (policy.forceSaveKey || key === undefined) && data) key = expandSaveKey(policy.saveKey, data, fname, vars, grant.bucket);
  if (key === undefined && grant.scopeKey !== undefined && !policy.isPrefixalScope) key = grant.scopeKey;
  if (key === undefined && data) key = qetag(data);
  return key;
}

/** 403 unless `key` is what the token's scope allows. */
export function checkScope(grant: UploadGrant, key: string): void {
  if (grant.scopeKey === undefined) return;
  const ok = grant.policy.isPrefixalScope ? key.startsWith(grant.scopeKey) : key === grant.scopeKey;
  if (!ok) throw new KodoError(403, "key doesn't match scope");
}

/**
 * Stores an upload under the token's rules (scope, insert-only with the same-hash exception, size and MIME limits)
 * and returns the JSON answer text: the rendered returnBody, or `{"hash","key","fsize"}`.
 */
export function commitUpload(bucket: Bucket, grant: UploadGrant, input: UploadInput): string {
  const { policy } = grant;
  const key = resolveKey(grant, input.key, input.data, input.fname, input.vars)!;
  checkKey(key);
  checkScope(grant, key);
  const size = input.data.length;
  if (policy.fsizeLimit !== undefined && size > policy.fsizeLimit) throw new KodoError(413, 'file too large');
  if (policy.fsizeMin !== undefined && size < policy.fsizeMin) throw new KodoError(403, 'file too small');
  const mimeType = chooseMime(policy.detectMime ?? 0, input.mimeType, input.fname, key);
  if (policy.mimeLimit && !mimeAllowed(mimeType, policy.mimeLimit)) throw new KodoError(403, 'file type not allowed');

  const hash = input.hash ?? qetag(input.data);
  const insertOnly =
    Boolean(policy.insertOnly) || Boolean(policy.isPrefixalScope) || (grant.scopeKey === undefined && !input.bareScopeOverwrites);
  const existing = bucket.store.get(key);
  let stored: ObjectRecord;
  if (existing && insertOnly) {
    if (existing.hash !== hash) throw fileExists();
    stored = existing; // the same content is already there: success, nothing changes
  } else {
    stored = bucket.newRecord(key, input.data, {
      hash,
      mimeType,
      parts: input.parts,
      endUser: policy.endUser,
      type: policy.fileType ?? 0,
      meta: input.meta,
    });
    bucket.store.put(stored);
  }
  if (!policy.returnBody) return JSON.stringify({ hash: stored.hash, key, fsize: stored.fsize });
  return renderTemplate(policy.returnBody, {
    bucket: grant.bucket,
    key,
    etag: stored.hash,
    hash: stored.hash,
    fname: input.fname ?? '',
    fsize: stored.fsize,
    mimeType: stored.mimeType,
    endUser: policy.endUser ?? '',
    persistentId: '',
    ext: extOf(key),
    ...input.vars,
  });
}

function chooseMime(detectMime: number, declared: string | undefined, fname: string | undefined, key: string): string {
  const guessed = mimeFromName(fname) ?? mimeFromName(key);
  if (detectMime < 0) return declared || OCTET_STREAM;
  if (detectMime > 0) return guessed ?? (declared || OCTET_STREAM);
  return declared && declared !== OCTET_STREAM ? declared : (guessed ?? OCTET_STREAM);
}

const extOf = (key: string): string => /(\.[A-Za-z0-9]+)$/.exec(key)?.[1] ?? '';

/** Textual `$(name)` substitution; strings are JSON-escaped so a quoted template stays valid JSON. */
function renderTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\$\(([^)]+)\)/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) return '';
    return typeof value === 'number' ? String(value) : JSON.stringify(value).slice(1, -1);
  });
}

function expandSaveKey(template: string, data: Buffer, fname: string | undefined, vars: Record<string, string>, bucket: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const values: Record<string, string> = {
    bucket,
    etag: qetag(data),
    fname: fname ?? '',
    ext: extOf(fname ?? ''),
    uuid: randomUUID(),
    year: String(now.getFullYear()),
    mon: pad(now.getMonth() + 1),
    day: pad(now.getDate()),
    hour: pad(now.getHours()),
    min: pad(now.getMinutes()),
    sec: pad(now.getSeconds()),
    ...vars,
  };
  return template.replace(/\$\(([^)]+)\)/g, (_m, name: string) => values[name] ?? '');
}
