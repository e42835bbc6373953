import http from 'node:http';
import https from 'node:https';
import { remoteErrorFromThrown } from './classify.js';

export interface HttpResponse {
  status: number;
  body: Buffer;
}

const WRITE_SLICE = 256 << 10;

/**
 * One HTTP request with a buffered answer. The request body is written in slices so `onSent` reports byte-level
 * progress (and a bandwidth limiter can pace it) instead of one jump per part.
 */
export function httpRequest(opts: {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: Buffer;
  agent?: http.Agent;
  timeoutMs: number;
  operation: string;
  onSent?: (n: number) => void;
  pace?: (n: number) => Promise<void>;
}): Promise<HttpResponse> {
  const url = new URL(opts.url);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        host: url.hostname,
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: opts.method,
        agent: opts.agent,
        headers: { ...opts.headers, 'Content-Length': String(opts.body?.length ?? 0) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(remoteErrorFromThrown(opts.operation, err)));
      },
    );
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => reject(remoteErrorFromThrown(opts.operation, err)));
    void writeBody(req, opts.body, opts.onSent, opts.pace).catch((err) => req.destroy(err));
  });
}

async function writeBody(
  req: http.ClientRequest,
  body: Buffer | undefined,
  onSent?: (n: number) => void,
  pace?: (n: number) => Promise<void>,
): Promise<void> {
  if (!body || body.length === 0) {
    req.end();
    return;
  }
  for (let off = 0; off < body.length; off += WRITE_SLICE) {
    const slice = body.subarray(off, Math.min(body.length, off + WRITE_SLICE));
    if (pace) await pace(slice.length);
    if (req.destroyed) return;
    if (!req.write(slice)) {
      // Both listeners go when either fires: a `once('close')` left behind per slice piled up on the request
      // (MaxListenersExceededWarning after ten slices of a part).
      await new Promise<void>((r) => {
        const resume = () => {
          req.off('drain', resume);
          req.off('close', resume);
          r();
        };
        req.on('drain', resume);
        req.on('close', resume);
      });
    }
    onSent?.(slice.length);
  }
  req.end();
}
