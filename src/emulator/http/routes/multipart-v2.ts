import { createHash } from 'node:crypto';
import { etagV2, qetag } from '../../../core/qetag.js';
import type { Bucket } from '../../state/bucket.js';
import { checkScope, commitUpload, resolveKey } from '../../state/commit-upload.js';
import { decodeBase64UrlText, percentDecode } from '../encoding.js';
import type { Exchange, Reply } from '../exchange.js';
import { KodoError, invalidArgument, noSuchBucket } from '../../state/kodo-error.js';
import type { UploadSession, UploadSessions } from '../../state/upload-sessions.js';
import type { UploadGrant } from '../../state/upload-grant.js';
import { upTokenFromHeader, verifyUploadToken } from '../upload-token.js';

const MIN_PART = 1 << 20;
const MAX_PART = 1 << 30;
const MAX_PART_NUMBER = 10_000;

const noSuchUpload = (): KodoError => new KodoError(612, 'no such uploadId');

interface Target {
  grant: UploadGrant;
  encodedKey: string;
  /** undefined for `~` (no key given). */
  key: string | undefined;
  uploadId?: string;
  partNumber?: string;
}

/*
 * Resumable upload v2 under `/buckets/<bucket>/objects/<EncodedObjectName|~>/uploads`: init, PUT parts (Content-MD5
 * checked), complete (hash = etag v2, i.e. qetag with 4 MiB parts), abort, list parts (shared/qiniu-protocol.md §5.3).
 * The sessions themselves are state/upload-sessions.ts.
 */

export function handleV2Init(ex: Exchange, bucket: Bucket, sessions: UploadSessions): Reply {
  const t = target(ex, bucket);
  const key = resolveKey(t.grant, t.key);
  if (key !== undefined) checkScope(t.grant, key);
  const session = sessions.open(bucket.name, t.encodedKey);
  return { status: 200, json: { uploadId: session.uploadId, expireAt: session.expireAt } };
}

export function handleV2Part(ex: Exchange, bucket: Bucket, sessions: UploadSessions): Reply {
  const t = target(ex, bucket);
  const session = sessionOf(sessions, t);
  const partNumber = Number(t.partNumber);
  if (!/^\d+$/.test(t.partNumber ?? '') || partNumber < 1 || partNumber > MAX_PART_NUMBER) throw invalidArgument('invalid part number');
  if (ex.body.length > MAX_PART) throw new KodoError(413, 'part too large');
  const md5 = createHash('md5').update(ex.body).digest();
  const claimed = String(ex.req.headers['content-md5'] ?? '');
  if (claimed && claimed.toLowerCase() !== md5.toString('hex') && claimed !== md5.toString('base64')) throw invalidArgument('content md5 not match');
  const etag = qetag(ex.body);
  sessions.putPart(session, { partNumber, etag, md5: md5.toString('hex'), size: ex.body.length, putTime: Math.floor(Date.now() / 1000), data: ex.body });
  return { status: 200, json: { etag, md5: md5.toString('hex') } };
}

export function handleV2Complete(ex: Exchange, bucket: Bucket, sessions: UploadSessions): Reply {
  const t = target(ex, bucket);
  const session = sessionOf(sessions, t);
  let request: { parts?: { etag?: string; partNumber?: number }[]; fname?: string; mimeType?: string; customVars?: Record<string, unknown>; metadata?: Record<string, unknown> };
  try {
    request = JSON.parse(ex.body.toString('utf8') || '{}');
  } catch {
    throw invalidArgument('invalid json');
  }
  if (!Array.isArray(request.parts)) throw invalidArgument('parts is required');
  let previous = 0;
  const chosen = request.parts.map((p, i) => {
    const n = Number(p?.partNumber);
    if (!Number.isInteger(n) || n <= previous) throw invalidArgument('parts must be in ascending partNumber order');
    previous = n;
    const part = session.parts.get(n);
    if (!part || part.etag !== p.etag) throw invalidArgument(`invalid part ${n}: not uploaded or etag mismatch`);
    if (i < request.parts!.length - 1 && part.size < MIN_PART) throw invalidArgument(`part ${n} is smaller than 1 MiB`);
    return part;
  });
  const data = Buffer.concat(chosen.map((p) => p.data));
  const sizes = chosen.map((p) => p.size);
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.customVars ?? {})) if (k.startsWith('x:')) vars[k] = String(v);
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.metadata ?? {})) if (k.startsWith('x-qn-meta-')) meta[k.slice('x-qn-meta-'.length)] = String(v);
  const answer = commitUpload(bucket, t.grant, {
    key: t.key,
    data,
    hash: etagV2(data, sizes),
    parts: sizes,
    mimeType: request.mimeType ?? undefined,
    fname: request.fname ?? undefined,
    vars,
    meta,
  });
  sessions.delete(session.uploadId);
  return { status: 200, body: Buffer.from(answer), headers: { 'Content-Type': 'application/json' } };
}

export function handleV2Abort(ex: Exchange, bucket: Bucket, sessions: UploadSessions): Reply {
  const session = sessionOf(sessions, target(ex, bucket));
  sessions.delete(session.uploadId);
  return { status: 200 };
}

export function handleV2ListParts(ex: Exchange, bucket: Bucket, sessions: UploadSessions): Reply {
  const session = sessionOf(sessions, target(ex, bucket));
  const maxParts = Math.min(1000, Math.max(1, Number(ex.query.get('max-parts') ?? 1000) || 1000));
  const marker = Number(ex.query.get('part-number-marker') ?? ex.query.get('part-number_marker') ?? 0) || 0;
  const all = [...session.parts.values()].filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, maxParts);
  return {
    status: 200,
    json: {
      uploadId: session.uploadId,
      expireAt: session.expireAt,
      partNumberMarker: all.length > page.length ? page[page.length - 1].partNumber : 0,
      parts: page.map((p) => ({ partNumber: p.partNumber, etag: p.etag, size: p.size, putTime: p.putTime })),
    },
  };
}

/** The live session a request names, for the key it names (612 otherwise). */
function sessionOf(sessions: UploadSessions, t: Target): UploadSession {
  const session = t.uploadId ? sessions.get(t.uploadId) : undefined;
  if (!session || keyOf(session.encodedKey) !== t.key) throw noSuchUpload();
  return session;
}

const keyOf = (encodedKey: string): string | undefined => (encodedKey === '~' ? undefined : decodeBase64UrlText(encodedKey));

/** Token, bucket and key of a v2 request path: `/buckets/<b>/objects/<enc>/uploads[/<id>[/<n>]]`. */
function target(ex: Exchange, bucket: Bucket): Target {
  const grant = verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
  const [, , rawBucket, , encodedKey, , uploadId, partNumber] = ex.rawPath.split('/');
  if (percentDecode(rawBucket) !== bucket.name) throw noSuchBucket();
  const enc = percentDecode(encodedKey);
  return { grant, encodedKey: enc, key: keyOf(enc), uploadId: uploadId && percentDecode(uploadId), partNumber };
}
