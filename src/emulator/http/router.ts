import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorState } from '../state/emulator-state.js';
import { handleControl } from './routes/control.js';
import { handleDownload } from './routes/download.js';
import type { Exchange, Reply } from './exchange.js';
import { handleFormUpload } from './routes/form-upload.js';
import { handleV2Abort, handleV2Complete, handleV2Init, handleV2ListParts, handleV2Part } from './routes/multipart-v2.js';
import { handleBput, handleMkblk, handleMkfile } from './routes/resumable-v1.js';
import { KodoError } from '../state/kodo-error.js';
import { handleBatch, handleList, handleRsOp } from './routes/management-routes.js';
import type { RouteName } from '../state/types.js';
import { handleBuckets, handleDomains, handleQuery } from './routes/uc-routes.js';

const RS_ROUTES: Record<string, RouteName> = {
  stat: 'stat',
  move: 'move',
  copy: 'copy',
  delete: 'delete',
  chgm: 'chgm',
  chtype: 'chtype',
  chstatus: 'chstatus',
  deleteAfterDays: 'delete-after-days',
  batch: 'batch',
  list: 'list',
};

/**
 * Which API a request is for, from its method, raw path and Authorization scheme — never the Host, since one port
 * serves rs, rsf, up, uc and downloads. A GET that carries no management/upload credentials is a download, so keys
 * such as `list` or `stat/x` stay downloadable; only `/_emulator/…` is reserved.
 */
export function classify(method: string, rawPath: string, rawQuery: string, headers: IncomingHttpHeaders): RouteName {
  const segments = rawPath.split('/').slice(1);
  const auth = headers.authorization ?? '';
  const managementAuth = /^(Qiniu|QBox)\s/.test(auth);
  const upAuth = /^UpToken\s/.test(auth);
  const isGet = method === 'GET';

  if (segments[0] === '_emulator') return 'control';
  if (method === 'POST' && rawPath === '/') return 'form-upload';

  if (segments[0] === 'buckets' && segments[2] === 'objects' && segments[4] === 'uploads' && (!isGet || upAuth)) {
    if (segments.length === 5 && method === 'POST') return 'v2-init';
    if (segments.length === 7 && method === 'PUT') return 'v2-part';
    if (segments.length === 6 && method === 'POST') return 'v2-complete';
    if (segments.length === 6 && method === 'DELETE') return 'v2-abort';
    if (segments.length === 6 && isGet) return 'v2-list-parts';
    return 'other';
  }
  if (method === 'POST') {
    if (segments[0] === 'mkblk') return 'v1-mkblk';
    if (segments[0] === 'bput') return 'v1-bput';
    if (segments[0] === 'mkfile') return 'v1-mkfile';
  }
  const rs = RS_ROUTES[segments[0]];
  if (rs && (method === 'POST' || (isGet && managementAuth))) return rs;
  if (rawPath === '/buckets' && (method === 'POST' || (isGet && managementAuth))) return 'buckets';
  if ((rawPath === '/v2/domains' || rawPath === '/v3/domains') && (method === 'POST' || (isGet && managementAuth))) return 'domains';
  if (isGet && /^\/v[234]\/query$/.test(rawPath) && /(^|&)(bucket|ak)=/.test(rawQuery)) return 'query';
  if (isGet) return 'download';
  if (method === 'HEAD') return 'head';
  return 'other';
}

export function dispatch(ex: Exchange, core: EmulatorState, selfHost: string): Reply | Promise<Reply> {
  const bucket = core.bucket;
  switch (ex.route) {
    case 'list':
      return handleList(ex, bucket);
    case 'stat':
    case 'move':
    case 'copy':
    case 'delete':
    case 'chgm':
    case 'chtype':
    case 'chstatus':
    case 'delete-after-days':
      return handleRsOp(ex, bucket);
    case 'batch':
      return handleBatch(ex, bucket);
    case 'form-upload':
      return handleFormUpload(ex, bucket);
    case 'v1-mkblk':
      return handleMkblk(ex, bucket, core.v1);
    case 'v1-bput':
      return handleBput(ex, bucket, core.v1);
    case 'v1-mkfile':
      return handleMkfile(ex, bucket, core.v1);
    case 'v2-init':
      return handleV2Init(ex, bucket, core.v2);
    case 'v2-part':
      return handleV2Part(ex, bucket, core.v2);
    case 'v2-complete':
      return handleV2Complete(ex, bucket, core.v2);
    case 'v2-abort':
      return handleV2Abort(ex, bucket, core.v2);
    case 'v2-list-parts':
      return handleV2ListParts(ex, bucket, core.v2);
    case 'download':
    case 'head':
      return handleDownload(ex, bucket, core.counters);
    case 'cdn-download':
      return handleDownload(ex, bucket, core.counters, (key) => core.cdn.serve(key, bucket.store.get(key)));
    case 'query':
      return handleQuery(ex, bucket, selfHost);
    case 'buckets':
      return handleBuckets(ex, bucket);
    case 'domains':
      return handleDomains(ex, bucket, selfHost);
    case 'control':
      return handleControl(ex, core);
    case 'other':
      throw new KodoError(ex.method === 'GET' || ex.method === 'POST' ? 404 : 405, 'no such api');
    default: {
      const never: never = ex.route;
      throw new Error(`unrouted ${String(never)}`);
    }
  }
}
