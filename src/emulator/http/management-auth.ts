import type { IncomingHttpHeaders } from 'node:http';
import type { Credentials } from '../state/bucket.js';
import { sameSignature, sign, splitToken } from './credentials.js';
import { KodoError, badToken } from '../state/kodo-error.js';

const FORM = 'application/x-www-form-urlencoded';
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The request target exactly as received (`req.url`). */
  rawTarget: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Checks a management call's `Authorization: Qiniu …` or `QBox …` signature against the secret key
 * (shared/qiniu-protocol.md §2.1, §2.2). Throws 401 `bad token`, or 403 when `X-Qiniu-Date` is too far off.
 */
export function verifyManagementAuth(request: SignedRequest, credentials: Credentials): void {
  const header = request.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = space > 0 ? header.slice(0, space) : '';
  const token = splitToken(header.slice(space + 1).trim());
  if (!token || token.rest !== undefined || token.accessKey !== credentials.accessKey) throw badToken();
  const candidates = scheme === 'Qiniu' ? qiniuSigningStrings(request) : scheme === 'QBox' ? qboxSigningStrings(request) : [];
  if (!candidates.some((text) => sameSignature(sign(credentials.secretKey, text), token.signature))) throw badToken();
  const date = request.headers['x-qiniu-date'];
  if (scheme === 'Qiniu' && typeof date === 'string') {
    const at = parseQiniuDate(date);
    if (at === undefined || Math.abs(Date.now() - at) > MAX_SKEW_MS) throw new KodoError(403, 'request time too skewed');
  }
}

/** The raw target, plus the WHATWG-normalised form a client may have signed instead. */
function targets(rawTarget: string): string[] {
  const out = [rawTarget];
  try {
    const url = new URL(rawTarget, 'http://emulator.invalid');
    const normalised = url.pathname + url.search;
    if (normalised !== rawTarget) out.push(normalised);
  } catch {
    // keep the raw target only
  }
  return out;
}

function qboxSigningStrings(request: SignedRequest): Buffer[] {
  const contentType = request.headers['content-type'];
  const body = contentType === FORM ? request.body : Buffer.alloc(0);
  return targets(request.rawTarget).map((target) => Buffer.concat([Buffer.from(`${target}\n`), body]));
}

function qiniuSigningStrings(request: SignedRequest): Buffer[] {
  const host = request.headers.host ?? '';
  const port = /:(\d+)$/.exec(host)?.[1];
  // node's SDK appends the port a second time when the URL has one: `Host: 127.0.0.1:9000:9000`.
  const hosts = port ? [host, `${host}:${port}`] : [host];
  const contentType = request.headers['content-type'] || FORM;
  const qiniuHeaders = Object.entries(request.headers)
    .filter(([name]) => name.startsWith('x-qiniu-') && name.length > 'x-qiniu-'.length)
    .map(([name, value]) => `${canonicalHeaderName(name)}: ${Array.isArray(value) ? value.join(', ') : value}`)
    .sort()
    .map((line) => `\n${line}`)
    .join('');
  const bodies: Buffer[] = [];
  if (request.body.length > 0 && contentType !== 'application/octet-stream') bodies.push(request.body);
  // Go signs the body only for form and JSON content; node for anything but octet-stream.
  if (request.body.length === 0 || !(contentType === FORM || contentType === 'application/json')) bodies.push(Buffer.alloc(0));
  const out: Buffer[] = [];
  for (const target of targets(request.rawTarget)) {
    for (const h of hosts) {
      const head = `${request.method.toUpperCase()} ${target}\nHost: ${h}\nContent-Type: ${contentType}${qiniuHeaders}\n\n`;
      for (const body of bodies) out.push(Buffer.concat([Buffer.from(head), body]));
    }
  }
  return out;
}

function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => part.slice(0, 1).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
}

/** `YYYYMMDDTHHmmssZ` (UTC) → epoch ms. */
function parseQiniuDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
