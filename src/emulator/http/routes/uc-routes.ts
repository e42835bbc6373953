import type { Bucket } from '../../state/bucket.js';
import { type Exchange, type Reply, ok } from '../exchange.js';
import { requireManagementAuth } from './management-routes.js';

/**
 * `GET /v4/query?ak=&bucket=` (and the older `/v2/query`, `/v3/query`): region lookup that names the bucket's region
 * and points every service, the source domain (`io_src`, where downloads get the stored bytes) included, at the
 * emulator's home listener. `uc` and `s3` must be present or node's SDK crashes (shared/qiniu-protocol.md §8.3).
 */
export function handleQuery(ex: Exchange, bucket: Bucket, homeHost: string): Reply {
  // host:port of the bucket's home listener: every service of its region lives there (server.ts decides).
  const host = homeHost;
  const domains = { domains: [host] };
  if (ex.rawPath === '/v2/query') {
    const hosts = { main: [host], backup: [] as string[] };
    return ok({ ttl: 86400, io: { src: hosts }, up: { acc: hosts, src: hosts }, uc: { acc: hosts }, rs: { acc: hosts }, rsf: { acc: hosts }, api: { acc: hosts } });
  }
  return ok({
    hosts: [
      {
        region: bucket.region,
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
export function handleDomains(ex: Exchange, bucket: Bucket, homeHost: string): Reply {
  requireManagementAuth(ex, bucket);
  const host = homeHost;
  if (ex.query.get('tbl') !== bucket.name) return ok([]);
  return ok(ex.rawPath.startsWith('/v3/') ? [{ domain: host, tbl: bucket.name, type: 'normal' }] : [host]);
}
