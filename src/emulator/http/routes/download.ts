import type { Bucket } from '../../state/bucket.js';
import type { CounterBook } from '../../state/counters.js';
import { sameSignature, sign, splitToken } from '../credentials.js';
import type { Exchange, Reply } from '../exchange.js';
import { KodoError } from '../../state/kodo-error.js';
import type { ObjectRecord } from '../../state/types.js';

/**
 * `GET|HEAD /<key>` on the download domain. The key is the raw path minus its leading `/`, percent-decoded as a
 * whole (so `/..%2Fevil.txt` and a raw `/../evil.txt` both name `../evil.txt`); the query never changes the key.
 * Private buckets need `?e=<deadline>&token=<ak>:<sign>` (shared/qiniu-protocol.md §2.4). Single ranges give 206,
 * unsatisfiable ones 416.
 */
export function handleDownload(
  ex: Exchange,
  bucket: Bucket,
  counters: CounterBook,
  /** What is served for a key: the stored object, or what a CDN node holds (state/cdn-node.ts). */
  lookup: (key: string) => ObjectRecord | undefined = (key) => bucket.store.get(key),
): Reply {
  let key: string;
  try {
    key = decodeURIComponent(ex.rawPath.slice(1));
  } catch {
    throw new KodoError(400, 'invalid path');
  }
  if (bucket.isPrivate) checkDownloadToken(ex, bucket);
  const record = lookup(key);
  if (!record) throw new KodoError(404, 'Document not found');

  const size = record.data.length;
  const headers: Record<string, string | number> = {
    'Content-Type': record.mimeType,
    ETag: `"${record.hash}"`,
    'Last-Modified': new Date(Math.floor(record.putTime / 1e4)).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(record.meta ?? {})) headers[`X-Qn-Meta-${name}`] = encodeURIComponent(value);
  const headOnly = ex.method === 'HEAD';

  const rangeHeader = ex.req.headers.range;
  if (rangeHeader !== undefined) {
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      counters.range(key, rangeStart(rangeHeader), -1);
      return { status: 416, json: { error: 'requested range not satisfiable' }, headers: { 'Content-Range': `bytes */${size}` } };
    }
    if (range) {
      counters.range(key, range.start, range.end);
      return {
        status: 206,
        body: record.data.subarray(range.start, range.end + 1),
        headers: { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${size}` },
        headOnly,
      };
    }
    counters.range(key, 0, size - 1); // a Range we ignore (malformed or several ranges): the whole body is served
  }
  return { status: 200, body: record.data, headers, headOnly };
}

/**
 * A single `bytes=a-b`, `bytes=a-` or `bytes=-n`. Undefined when the header is malformed or asks for several
 * ranges (then the whole body is served, as RFC 9110 allows).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

const rangeStart = (header: string): number => Number(/(\d+)/.exec(header)?.[1] ?? 0);

/**
 * The token signs the whole URL up to `&token=` — scheme, Host and the raw path and query exactly as sent. The
 * scheme is not on the wire, so both http and https are tried.
 */
function checkDownloadToken(ex: Exchange, bucket: Bucket): void {
  const at = ex.rawQuery.search(/(^|&)token=/);
  if (at < 0) throw new KodoError(401, 'download token not specified');
  const tokenParam = ex.rawQuery.slice(at).replace(/^&/, '');
  const signedQuery = ex.rawQuery.slice(0, at);
  const token = splitToken(decodeURIComponentSafe(tokenParam.slice('token='.length).split('&')[0]));
  const deadline = Number(new URLSearchParams(signedQuery).get('e'));
  if (!token || token.rest !== undefined || token.accessKey !== bucket.credentials.accessKey || !Number.isFinite(deadline) || !signedQuery) {
    throw new KodoError(401, 'download token auth failed');
  }
  const signed = `//${ex.req.headers.host ?? ''}${ex.rawPath}?${signedQuery}`;
  const valid = ['http:', 'https:'].some((scheme) => sameSignature(sign(bucket.credentials.secretKey, scheme + signed), token.signature));
  if (!valid) throw new KodoError(401, 'download token auth failed');
  if (deadline < Date.now() / 1000) throw new KodoError(401, 'token out of date');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
