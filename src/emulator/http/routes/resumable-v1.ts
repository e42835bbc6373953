import { createHash, randomBytes } from 'node:crypto';
import type { Bucket } from '../../state/bucket.js';
import { commitUpload } from '../../state/commit-upload.js';
import { crc32 } from '../../../core/crc32.js';
import { decodeBase64UrlText, percentDecode } from '../encoding.js';
import type { Exchange, Reply } from '../exchange.js';
import { KodoError, invalidArgument } from '../../state/kodo-error.js';
import { upTokenFromHeader, verifyUploadToken } from '../upload-token.js';

const MAX_BLOCK = 4 << 20;
const CTX_LIFETIME_S = 7 * 86400;

interface Block {
  size: number;
  chunks: Buffer[];
  offset: number;
  /** Only the newest ctx of a block continues it (bput) or completes it (mkfile). */
  ctx: string;
  expiredAt: number;
}

const invalidCtx = (): KodoError => new KodoError(701, 'invalid ctx');

/** Blocks of resumable v1 uploads in progress, by their current ctx. */
export class BlockUploads {
  private readonly byCtx = new Map<string, Block>();

  clear(): void {
    this.byCtx.clear();
  }

  /** `POST /mkblk/<blockSize>`: the body is the block's first chunk. */
  mkblk(ex: Exchange, bucket: Bucket): Reply {
    verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
    const size = Number(ex.rawPath.split('/')[2]);
    if (!Number.isInteger(size) || size <= 0 || size > MAX_BLOCK) throw invalidArgument('invalid block size');
    if (ex.body.length > size) throw invalidArgument('chunk larger than the block');
    const block: Block = { size, chunks: [], offset: 0, ctx: '', expiredAt: Math.floor(Date.now() / 1000) + CTX_LIFETIME_S };
    return this.append(ex, block);
  }

  /** `POST /bput/<ctx>/<offset>`: the next chunk of the block `ctx` belongs to. */
  bput(ex: Exchange, bucket: Bucket): Reply {
    verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
    const [, , ctx, offset] = ex.rawPath.split('/');
    const block = this.live(ctx);
    if (Number(offset) !== block.offset) throw invalidCtx();
    if (block.offset + ex.body.length > block.size) throw invalidArgument('chunk larger than the block');
    this.byCtx.delete(ctx);
    return this.append(ex, block);
  }

  /** `POST /mkfile/<fsize>[/key/<b64>][/mimeType/<b64>][/fname/<b64>][/x:name/<b64>]…`, body = last ctx of each block. */
  mkfile(ex: Exchange, bucket: Bucket): Reply {
    const grant = verifyUploadToken(upTokenFromHeader(ex.req.headers.authorization), bucket.credentials, bucket.name);
    const [, , fsizeText, ...rest] = ex.rawPath.split('/');
    const fsize = Number(fsizeText);
    if (!Number.isInteger(fsize) || fsize < 0) throw invalidArgument('invalid fsize');
    const opts: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) opts[percentDecode(rest[i])] = decodeBase64UrlText(rest[i + 1]);
    const ctxs = ex.body.toString('utf8').split(',').map((c) => c.trim()).filter(Boolean);
    const blocks = ctxs.map((ctx) => {
      const block = this.live(ctx);
      if (block.offset !== block.size) throw invalidCtx();
      return block;
    });
    const data = Buffer.concat(blocks.flatMap((b) => b.chunks));
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
    for (const ctx of ctxs) this.byCtx.delete(ctx);
    return { status: 200, body: Buffer.from(answer), headers: { 'Content-Type': 'application/json' } };
  }

  private live(ctx: string | undefined): Block {
    const block = ctx ? this.byCtx.get(ctx) : undefined;
    if (!block) throw invalidCtx();
    if (block.expiredAt < Date.now() / 1000) {
      this.byCtx.delete(ctx!);
      throw invalidCtx();
    }
    return block;
  }

  private append(ex: Exchange, block: Block): Reply {
    block.chunks.push(ex.body);
    block.offset += ex.body.length;
    block.ctx = `${randomBytes(12).toString('base64url')}_${block.offset}`;
    this.byCtx.set(block.ctx, block);
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
}
