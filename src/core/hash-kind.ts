/**
 * What kind of hash Kodo reports for an object, read from the first byte of the base64url-decoded hash
 * (shared/qiniu-protocol.md §7 and §12): the kind decides how a download is verified and how a local file is compared.
 *
 * - `v1-single` (0x16, `F…`) and `v1-multi` (0x96, `l…`): the qetag of the content, reproducible from the bytes alone;
 * - `etag-v2` (0x9e, `n…`): a multipart upload whose parts were not 4 MiB, reproducible only with the part sizes
 *   (`needparts=true` in the listing);
 * - `opaque`: anything else (uploads through other APIs): no local computation reproduces it.
 */
export type HashKind = 'v1-single' | 'v1-multi' | 'etag-v2' | 'opaque';

export const HASH_KINDS = ['v1-single', 'v1-multi', 'etag-v2', 'opaque'] as const satisfies readonly HashKind[];

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A 21-byte digest (prefix + SHA-1) is exactly 28 base64 characters with no padding. */
const HASH_LENGTH = 28;

export function hashKind(hash: string): HashKind {
  if (hash.length !== HASH_LENGTH) return 'opaque';
  for (let i = 0; i < HASH_LENGTH; i++) if (BASE64URL.indexOf(hash[i]) < 0) return 'opaque';
  const first = (BASE64URL.indexOf(hash[0]) << 2) | (BASE64URL.indexOf(hash[1]) >> 4);
  switch (first) {
    case 0x16:
      return 'v1-single';
    case 0x96:
      return 'v1-multi';
    case 0x9e:
      return 'etag-v2';
    default:
      return 'opaque';
  }
}

/** The qetag of the bytes is the hash itself (no part sizes needed). */
export function isPlainQetag(hash: string): boolean {
  const kind = hashKind(hash);
  return kind === 'v1-single' || kind === 'v1-multi';
}
