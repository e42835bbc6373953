import { createHash } from 'node:crypto';
import { crc32 } from '../../../core/crc32.js';
import type { Bucket } from '../../state/bucket.js';
import { commitUpload } from '../../state/commit-upload.js';
import { invalidArgument } from '../../state/kodo-error.js';
import type { Block, BlockUploads } from '../../state/resumable-blocks.js';
import { decodeBase64UrlText, percentDecode } from '../encoding.js';
import type { Exchange, Reply } from '../exchange.js';
import { upTokenFromHeader, verifyUploadToken } from '../upload-token.js';

const MAX_BLOCK = 4 << 20;

/** `POST /mkblk/<blockSize>`: the body is the block's first chunk. */
export function handleMkblk(ex: Exchange, bucket: Bucket, blocks: BlockUploads): Reply {
  verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
  const size = Number(ex.rawPath.split('/')[2]);
  if (!Number.isInteger(size) || size <= 0 || size > MAX_BLOCK) throw invalidArgument('invalid block size');
  if (ex.body.length > size) throw invalidArgument('chunk larger than the block');
  return blockReply(ex, blocks.start(size, ex.body));
}

/** `POST /bput/<ctx>/<offset>`: the next chunk of the block `ctx` belongs to. */
export function handleBput(ex: Exchange, bucket: Bucket, blocks: BlockUploads): Reply {
  verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
  const [, , ctx, offset] = ex.rawPath.split('/');
  return blockReply(ex, blocks.continue(ctx, Number(offset), ex.body));
}

/** `POST /mkfile/<fsize>[/key/<b64>][/mimeType/<b64>][/fname/<b64>][/x:name/<b64>]…`, body = last ctx of each block. */
export function handleMkfile(ex: Exchange, bucket: Bucket, blocks: BlockUploads): Reply {
  const grant = verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
  const [, , fsizeText, ...rest] = ex.rawPath.split('/');
  const fsize = Number(fsizeText);
  if (!Number.isInteger(fsize) || fsize < 0) throw invalidArgument('invalid fsize');
  const opts: Record<string, string> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) opts[percentDecode(rest[i])] = decodeBase64UrlText(rest[i + 1]);
  const ctxs = ex.body.toString('utf8').split(',').map((c) => c.trim()).filter(Boolean);
  const data = blocks.assemble(ctxs);
  if (data.length !== fsize) throw invalidArgument(`fsize ${fsize} does not match the blocks (${data.length} bytes)`);
  const vars: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts)) {
    if (name.startsWith('x:')) vars[name] = value;
    else if (name.startsWith('x-qn-meta-')) meta[name.slice('x-qn-meta-'.length)] = value;
  }
  const answer = commitUpload(bucket, grant, {
    key: opts.key,
    data,
    mimeType: opts.mimeType,
    fname: opts.fname,
    vars,
    meta,
    bareScopeOverwrites: true,
  });
  blocks.forget(ctxs);
  return { status: 200, body: Buffer.from(answer), headers: { 'Content-Type': 'application/json' } };
}

/** What mkblk and bput answer: the block's new ctx, the chunk's checksums and where the next chunk goes. */
function blockReply(ex: Exchange, block: Block): Reply {
  return {
    status: 200,
    json: {
      ctx: block.ctx,
      checksum: createHash('sha1').update(ex.body).digest('base64url'),
      crc32: crc32(ex.body),
      offset: block.offset,
      host: `http://${ex.req.headers.host ?? ''}`,
      expired_at: block.expiredAt,
    },
  };
}
