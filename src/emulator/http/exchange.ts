import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteName } from '../state/types.js';

/** One request as the handlers see it: the raw target split by hand (never WHATWG-normalised) and the whole body. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  route: RouteName;
  method: string;
  /** `req.url` exactly as received. */
  rawTarget: string;
  /** The target up to `?`, still percent-encoded. */
  rawPath: string;
  /** After `?` ('' when none), still percent-encoded. */
  rawQuery: string;
  query: URLSearchParams;
  body: Buffer;
  reqId: string;
}

/** What a handler answers. `json` is serialised; `body` is sent as is; neither = empty body. */
export interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string | number>;
  /** HEAD: send the headers (with the full Content-Length) and no body. */
  headOnly?: boolean;
}

export const ok = (json?: unknown): Reply => ({ status: 200, json });

/** Splits a request target at the first `?`; an absolute-form target (`http://host/p`) loses its origin. */
export function splitTarget(target: string): { rawPath: string; rawQuery: string } {
  let t = target;
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
  if (origin) t = t.slice(origin[0].length) || '/';
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  const q = t.indexOf('?');
  return q < 0 ? { rawPath: t, rawQuery: '' } : { rawPath: t.slice(0, q), rawQuery: t.slice(q + 1) };
}
