import type { Credentials } from '../state/bucket.js';
import type { PutPolicy, UploadGrant } from '../state/upload-grant.js';
import { sameSignature, sign, splitToken } from './credentials.js';
import { decodeBase64Url } from './encoding.js';
import { KodoError, badToken, noSuchBucket } from '../state/kodo-error.js';

/** `Authorization: UpToken <token>` → token. */
export function upTokenFromHeader(header: string | undefined): string | undefined {
  const m = /^UpToken\s+(\S+)\s*$/.exec(header ?? '');
  return m?.[1];
}

/**
 * Verifies `AK:sign:encodedPolicy` (HMAC over the encoded policy string), the deadline and the bucket.
 * 401 `token not specified` / `bad token` / `token out of date`; 631 for another bucket.
 */
export function verifyUploadToken(token: string | undefined, credentials: Credentials, bucket: string): UploadGrant {
  if (!token) throw new KodoError(401, 'token not specified');
  const parts = splitToken(token);
  if (!parts || parts.rest === undefined || parts.accessKey !== credentials.accessKey) throw badToken();
  if (!sameSignature(sign(credentials.secretKey, parts.rest), parts.signature)) throw badToken();
  let policy: PutPolicy;
  try {
    policy = JSON.parse(decodeBase64Url(parts.rest).toString('utf8')) as PutPolicy;
  } catch {
    throw badToken();
  }
  if (typeof policy?.scope !== 'string' || typeof policy.deadline !== 'number') throw badToken();
  if (policy.deadline < Math.floor(Date.now() / 1000)) throw new KodoError(401, 'token out of date');
  const colon = policy.scope.indexOf(':');
  const scopeBucket = colon < 0 ? policy.scope : policy.scope.slice(0, colon);
  if (scopeBucket !== bucket) throw noSuchBucket();
  return { policy, bucket: scopeBucket, scopeKey: colon < 0 ? undefined : policy.scope.slice(colon + 1) };
}
