import type { Bucket } from '../../state/bucket.js';
import { commitUpload } from '../../state/commit-upload.js';
import { crc32 } from '../../../core/crc32.js';
import type { Exchange, Reply } from '../exchange.js';
import { KodoError, invalidArgument } from '../../state/kodo-error.js';
import { parseMultipart } from '../multipart-form.js';
import { verifyUploadToken } from '../upload-token.js';

/**
 * `POST /` multipart form upload: fields `token`, `key` (optional), `x:*`, `x-qn-meta-*`, `file`, and `crc32`
 * (node sends it after the file part) → 406 on mismatch (shared/qiniu-protocol.md §5.1).
 */
export function handleFormUpload(ex: Exchange, bucket: Bucket): Reply {
  const parts = parseMultipart(ex.body, ex.req.headers['content-type']);
  const field = (name: string) => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
  const grant = verifyUploadToken(field('token'), bucket.credentials, bucket.name);
  const file = parts.find((p) => p.name === 'file');
  if (!file) throw invalidArgument('file is required');
  const crc = field('crc32');
  if (crc !== undefined && crc !== '' && Number(crc) !== crc32(file.data)) throw new KodoError(406, 'crc32 not match');
  const vars: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const p of parts) {
    if (p.filename !== undefined) continue;
    if (p.name.startsWith('x:')) vars[p.name] = p.data.toString('utf8');
    else if (p.name.startsWith('x-qn-meta-')) meta[p.name.slice('x-qn-meta-'.length)] = p.data.toString('utf8');
  }
  const fname = file.filename?.replace(/%22/g, '"').replace(/%0D/g, '\r').replace(/%0A/g, '\n');
  const answer = commitUpload(bucket, grant, { key: field('key'), data: file.data, mimeType: file.contentType, fname, vars, meta });
  return { status: 200, body: Buffer.from(answer), headers: { 'Content-Type': 'application/json' } };
}
