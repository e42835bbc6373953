import type { Bucket } from './bucket.js';
import { type Exchange, type Reply, ok } from './exchange.js';
import { requireManagementAuth } from './management-routes.js';

/** host:port the client reached us by (every service lives there). */
const selfHost = (ex: Exchange, fallback: string): string => ex.req.headers.host || fallback;

/**
 * `GET /v4/query?ak=&bucket=` (and the older `/v2/query`, `/v3/query`): region lookup that points every service at
 * this emulator. `uc` and `s3` must be present or node's SDK crashes (shared/qiniu-protocol.md §8.3).
 */
export function handleQuery(ex: Exchange, fallbackHost: string): Reply {
  const host = selfHost(ex, fallbackHost);
  const domains = { domains: [host] };
  if (ex.rawPath === '/v2/query') {
    const hosts = { main: [host], backup: [] as string[] };
    return ok({ ttl: 86400, io: { src: hosts }, up: { acc: hosts, src: hosts }, uc: { acc: hosts }, rs: { acc: hosts }, rsf: { acc: hosts }, api: { acc: hosts } });
  }
  return ok({
    hosts: [
      {
        region: 'z0',
        ttl: 86400,
        up: { domains: [host], old: [] },
        io: domains,
        io_src: domains,
        rs: domains,
        rsf: domains,
        api: domains,
        uc: domains,
        s3: { domains: [host], region_alias: 'cn-east-1' },
      },
    ],
  });
}

/** `POST /buckets` (uc listBucket): the one bucket. */
export function handleBuckets(ex: Exchange, bucket: Bucket): Reply {
  requireManagementAuth(ex, bucket);
  return ok([bucket.name]);
}

/** `/v2/domains?tbl=` → ["host"]; `/v3/domains?tbl=` → [{domain, …}]. */
export function handleDomains(ex: Exchange, bucket: Bucket, fallbackHost: string): Reply {
  requireManagementAuth(ex, bucket);
  const host = selfHost(ex, fallbackHost);
  if (ex.query.get('tbl') !== bucket.name) return ok([]);
  return ok(ex.rawPath.startsWith('/v3/') ? [{ domain: host, tbl: bucket.name, type: 'normal' }] : [host]);
}
