import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPacer } from './pacing.js';

const SLICE = 64 << 10;

/**
 * Reads the whole request body, reporting bytes as they arrive. With a throttle, reading pauses between chunks so
 * TCP flow control slows the client down (a client killed meanwhile has only sent part). Rejects when the client
 * goes away before the end.
 */
export function readBody(req: IncomingMessage, onBytes: (n: number) => void, throttleBytesPerSec?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const pace = throttleBytesPerSec ? createPacer(throttleBytesPerSec) : undefined;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      onBytes(chunk.length);
      if (pace) {
        req.pause();
        void pace(chunk.length).then(() => {
          if (!req.destroyed) req.resume();
        });
      }
    });
    req.once('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new Error('client went away mid-request'));
    });
  });
}

/**
 * Writes `body` in slices with backpressure, counting what was handed to the socket. `throttle` paces it;
 * `truncate` sends about half and then destroys the connection (the headers already promised the full length).
 */
export async function writeBody(
  res: ServerResponse,
  body: Buffer,
  opts: { onBytes: (n: number) => void; throttleBytesPerSec?: number; truncate?: boolean },
): Promise<void> {
  const limit = opts.truncate ? Math.floor(body.length / 2) : body.length;
  const pace = opts.throttleBytesPerSec ? createPacer(opts.throttleBytesPerSec) : undefined;
  const slice = pace ? Math.max(1024, Math.min(SLICE, Math.floor(opts.throttleBytesPerSec! / 20))) : SLICE;
  let flushed: Promise<void> = Promise.resolve();
  for (let off = 0; off < limit && !res.destroyed; off += slice) {
    const part = body.subarray(off, Math.min(limit, off + slice));
    if (pace) await pace(part.length);
    if (res.destroyed) return;
    flushed = new Promise((resolve) => res.write(part, () => resolve()));
    opts.onBytes(part.length);
    if (res.writableNeedDrain) await drained(res);
  }
  if (opts.truncate) {
    if (limit === 0) {
      res.flushHeaders();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.race([flushed, drained(res)]);
    res.destroy();
    return;
  }
  if (!res.destroyed) res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
