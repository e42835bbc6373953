import type { Bucket } from '../state/bucket.js';
import type { Reply } from './exchange.js';
import type { RouteName } from '../state/types.js';

const UPLOAD_ROUTES: ReadonlySet<RouteName> = new Set([
  'form-upload',
  'v1-mkblk',
  'v1-bput',
  'v1-mkfile',
  'v2-init',
  'v2-part',
  'v2-complete',
  'v2-abort',
  'v2-list-parts',
]);

/** The upload host of a region, as Kodo names it in the answer (z0's has no suffix; shared/qiniu-protocol.md §12). */
export function upHostOf(region: string): string {
  return region === 'z0' ? 'up.qiniup.com' : `up-${region}.qiniup.com`;
}

/**
 * What another region's upload host answers an upload to this bucket: `400 {"error":"incorrect region, please use
 * up-z2.qiniup.com"}` (reported by users of the real service). Nothing is stored. null for every other route.
 */
export function otherRegionReply(route: RouteName, bucket: Bucket): Reply | null {
  if (!UPLOAD_ROUTES.has(route)) return null;
  return { status: 400, json: { error: `incorrect region, please use ${upHostOf(bucket.region)}` } };
}
