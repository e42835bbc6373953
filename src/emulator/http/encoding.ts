import { invalidArgument, noSuchBucket } from '../state/kodo-error.js';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

export const urlsafeBase64 = (data: string | Buffer): string =>
  Buffer.from(data).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

/** Decodes URL-safe (or standard) base64, padded or not. Throws 400 on characters outside the alphabet. */
export function decodeBase64Url(text: string): Buffer {
  if (!/^[A-Za-z0-9\-_+/]*={0,2}$/.test(text)) throw invalidArgument();
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Strict UTF-8 (keys must be valid UTF-8: 400 otherwise). */
export function utf8(data: Buffer): string {
  try {
    return fatalUtf8.decode(data);
  } catch {
    throw invalidArgument('key must be utf8 encoding');
  }
}

export const decodeBase64UrlText = (text: string): string => utf8(decodeBase64Url(text));

/**
 * An EncodedEntryURI → key, checking the bucket. Splits at the first `:` because keys may contain colons;
 * an entry without `:` names the bucket only (key undefined).
 */
export function decodeEntry(encoded: string, bucket: string): string | undefined {
  const entry = decodeBase64UrlText(encoded);
  const colon = entry.indexOf(':');
  const entryBucket = colon < 0 ? entry : entry.slice(0, colon);
  if (entryBucket !== bucket) throw noSuchBucket();
  return colon < 0 ? undefined : entry.slice(colon + 1);
}

/** Like `decodeEntry` but the key is required. */
export function decodeKeyEntry(encoded: string | undefined, bucket: string): string {
  if (!encoded) throw invalidArgument();
  const key = decodeEntry(encoded, bucket);
  if (key === undefined) throw invalidArgument();
  return key;
}

/** decodeURIComponent that answers 400 instead of throwing URIError. */
export function percentDecode(segment: string): string {
  try {
    return segment.includes('%') ? decodeURIComponent(segment) : segment;
  } catch {
    throw invalidArgument('invalid percent-encoding');
  }
}
