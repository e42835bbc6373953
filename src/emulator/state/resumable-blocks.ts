import { randomBytes } from 'node:crypto';
import { KodoError, invalidArgument } from './kodo-error.js';

const CTX_LIFETIME_S = 7 * 86400;

export interface Block {
  size: number;
  chunks: Buffer[];
  offset: number;
  /** Only the newest ctx of a block continues it (bput) or completes it (mkfile). */
  ctx: string;
  expiredAt: number;
}

const invalidCtx = (): KodoError => new KodoError(701, 'invalid ctx');

/** Blocks of resumable v1 uploads in progress, by their current ctx (http/routes/resumable-v1.ts serves them). */
export class BlockUploads {
  private readonly byCtx = new Map<string, Block>();

  clear(): void {
    this.byCtx.clear();
  }

  /** A new block of `size` bytes holding `chunk`, under a fresh ctx. */
  start(size: number, chunk: Buffer): Block {
    const block: Block = { size, chunks: [], offset: 0, ctx: '', expiredAt: Math.floor(Date.now() / 1000) + CTX_LIFETIME_S };
    return this.append(block, chunk);
  }

  /**
   * The next chunk of the block `ctx` belongs to, which must continue at `offset`: the block moves to a new ctx
   * (701 for an unknown, expired or stale ctx or a wrong offset; 400 when the chunk overflows the block).
   */
  continue(ctx: string | undefined, offset: number, chunk: Buffer): Block {
    const block = this.live(ctx);
    if (offset !== block.offset) throw invalidCtx();
    if (block.offset + chunk.length > block.size) throw invalidArgument('chunk larger than the block');
    this.byCtx.delete(ctx!);
    return this.append(block, chunk);
  }

  /** The bytes of the full blocks named by their last ctxs, in order (701 unless each is live and complete). */
  assemble(ctxs: string[]): Buffer {
    const blocks = ctxs.map((ctx) => {
      const block = this.live(ctx);
      if (block.offset !== block.size) throw invalidCtx();
      return block;
    });
    return Buffer.concat(blocks.flatMap((b) => b.chunks));
  }

  /** Drops the blocks once their file is stored. */
  forget(ctxs: string[]): void {
    for (const ctx of ctxs) this.byCtx.delete(ctx);
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

  private append(block: Block, chunk: Buffer): Block {
    block.chunks.push(chunk);
    block.offset += chunk.length;
    block.ctx = `${randomBytes(12).toString('base64url')}_${block.offset}`;
    this.byCtx.set(block.ctx, block);
    return block;
  }
}
