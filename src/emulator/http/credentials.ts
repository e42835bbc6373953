import { createHmac, timingSafeEqual } from 'node:crypto';

/** URL-safe base64 of HMAC-SHA1(secretKey, text): every Kodo signature. */
export function sign(secretKey: string, text: string | Buffer): string {
  return createHmac('sha1', secretKey).update(text).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Splits `AK:sign[:rest]` at the first colon (and the last, when there is a rest). */
export function splitToken(token: string): { accessKey: string; signature: string; rest?: string } | undefined {
  const first = token.indexOf(':');
  if (first <= 0) return undefined;
  const last = token.lastIndexOf(':');
  if (last === first) return { accessKey: token.slice(0, first), signature: token.slice(first + 1) };
  return { accessKey: token.slice(0, first), signature: token.slice(first + 1, last), rest: token.slice(last + 1) };
}
