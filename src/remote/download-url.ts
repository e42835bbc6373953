/**
 * The path part of a download URL for `key`. We encode keys ourselves: the SDK's `publicDownloadUrl` leaves
 * `?#&+;[]` and existing `%XX` alone, which breaks such keys (shared/qiniu-protocol.md §6).
 * `/` stays readable unless the key has `.`, `..` or empty segments, which many HTTP stacks would normalise
 * away; then every `/` is sent as `%2F` (Kodo decodes the whole path into the key, as qshell relies on).
 */
export function encodeKeyForUrl(key: string): string {
  const encoded = encodeURIComponent(key);
  const segments = key.split('/');
  const risky = segments.some((s) => s === '' || s === '.' || s === '..');
  return risky ? encoded : encoded.replace(/%2F/g, '/');
}
