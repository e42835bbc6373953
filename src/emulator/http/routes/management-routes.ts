import type { Bucket } from '../../state/bucket.js';
import { type Exchange, type Reply, ok } from '../exchange.js';
import { KodoError, invalidArgument, noSuchBucket } from '../../state/kodo-error.js';
import { listPage } from '../../state/list.js';
import { verifyManagementAuth } from '../management-auth.js';
import { runOp, statOf } from '../rs-ops.js';

const MAX_BATCH = 1000;

export function requireManagementAuth(ex: Exchange, bucket: Bucket): void {
  verifyManagementAuth({ method: ex.method, rawTarget: ex.rawTarget, headers: ex.req.headers, body: ex.body }, bucket.credentials);
}

/** Query parameters, merged with a form body (some clients POST them). */
function params(ex: Exchange): URLSearchParams {
  const merged = new URLSearchParams(ex.query);
  const contentType = ex.req.headers['content-type'] ?? '';
  if (ex.body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(ex.body.toString('utf8'))) if (!ex.query.has(k)) merged.append(k, v);
  }
  return merged;
}

/** `GET|POST /list?bucket=&prefix=&delimiter=&marker=&limit=` (shared/qiniu-protocol.md §3.1). */
export function handleList(ex: Exchange, bucket: Bucket): Reply {
  requireManagementAuth(ex, bucket);
  const p = params(ex);
  const name = p.get('bucket');
  if (!name) throw invalidArgument('bucket is required');
  if (name !== bucket.name) throw noSuchBucket();
  const rawLimit = p.get('limit');
  let limit = rawLimit ? Number(rawLimit) : 1000;
  if (!Number.isInteger(limit) || limit < 0) throw invalidArgument('invalid limit');
  if (limit === 0 || limit > 1000) limit = 1000;
  const delimiter = p.get('delimiter') ?? '';
  const page = listPage(bucket.store.sortedKeys(), { prefix: p.get('prefix') ?? '', delimiter, marker: p.get('marker') ?? '', limit });
  const items = page.keys.map((key) => ({ key, ...statOf(bucket.store.get(key)!, p.get('needparts') === 'true') }));
  const body: Record<string, unknown> = { items };
  if (page.marker) body.marker = page.marker;
  if (delimiter) body.commonPrefixes = page.commonPrefixes;
  return ok(body);
}

/** `/stat/…`, `/move/…`, `/copy/…`, `/delete/…`, `/chgm/…`, … : 200 with stat data or an empty body. */
export function handleRsOp(ex: Exchange, bucket: Bucket): Reply {
  requireManagementAuth(ex, bucket);
  const result = runOp(bucket, ex.rawPath, ex.query.get('needparts') === 'true');
  if (result.code !== 200) throw new KodoError(result.code, (result.data as { error: string }).error);
  return { status: 200, json: result.data };
}

/** `POST /batch` with `op=…&op=…`: 200 when every op succeeded, 298 otherwise, with `[{code, data?}]` in order. */
export function handleBatch(ex: Exchange, bucket: Bucket): Reply {
  requireManagementAuth(ex, bucket);
  const ops = params(ex).getAll('op');
  if (ops.length === 0) throw invalidArgument('no op');
  if (ops.length > MAX_BATCH) throw invalidArgument(`too many ops (max ${MAX_BATCH})`);
  const results = ops.map((op) => runOp(bucket, op.split('?')[0], op.includes('needparts=true')));
  return { status: results.every((r) => r.code === 200) ? 200 : 298, json: results };
}
