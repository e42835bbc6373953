const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  log: 'text/plain',
  ini: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  mjs: 'application/javascript',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};

export const OCTET_STREAM = 'application/octet-stream';

/** A MIME type from a file name's extension (undefined when unknown). */
export function mimeFromName(name: string | undefined): string | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(name ?? '');
  return m ? BY_EXTENSION[m[1].toLowerCase()] : undefined;
}

/** `mimeLimit`: `image/*;text/plain`, or a `!`-prefixed deny list. */
export function mimeAllowed(mimeType: string, limit: string): boolean {
  const deny = limit.startsWith('!');
  const patterns = (deny ? limit.slice(1) : limit).split(';').map((p) => p.trim()).filter(Boolean);
  const matches = patterns.some((p) => (p.endsWith('/*') ? mimeType.startsWith(p.slice(0, -1)) : p === mimeType));
  return deny ? !matches : matches;
}
