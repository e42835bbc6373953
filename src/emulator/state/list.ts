import { KodoError } from './kodo-error.js';
import { lowerBound, prefixSuccessor } from './key-order.js';

export interface ListQuery {
  prefix: string;
  delimiter: string;
  /** Opaque marker from the previous page ('' = from the start). */
  marker: string;
  /** 1..1000; counts items and common prefixes together. */
  limit: number;
}

export interface ListPage {
  keys: string[];
  commonPrefixes: string[];
  /** '' when the listing is complete. */
  marker: string;
}

interface Position {
  /** Last key or common prefix handed out. */
  k: string;
  /** Set when `k` was a common prefix: everything under it was covered. */
  d?: 1;
}

const encodeMarker = (pos: Position): string => Buffer.from(JSON.stringify({ c: 0, ...pos })).toString('base64');

function decodeMarker(marker: string): Position {
  try {
    const pos = JSON.parse(Buffer.from(marker, 'base64').toString('utf8')) as Partial<Position>;
    if (typeof pos.k === 'string') return { k: pos.k, d: pos.d ? 1 : undefined };
  } catch {
    // fall through
  }
  throw new KodoError(640, 'invalid marker');
}

/** One page of a bucket listing over keys sorted in UTF-8 byte order (shared/qiniu-protocol.md §3.1). */
export function listPage(sorted: readonly string[], query: ListQuery): ListPage {
  const { prefix, delimiter, limit } = query;
  let i = prefix ? lowerBound(sorted, prefix) : 0;
  if (query.marker) {
    const pos = decodeMarker(query.marker);
    i = Math.max(i, skipPast(sorted, pos));
  }
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  let last: Position | undefined;
  while (i < sorted.length && keys.length + commonPrefixes.length < limit) {
    const key = sorted[i];
    if (!key.startsWith(prefix)) break;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const dir = key.slice(0, cut + delimiter.length);
      commonPrefixes.push(dir);
      last = { k: dir, d: 1 };
      i = skipPast(sorted, last);
    } else {
      keys.push(key);
      last = { k: key };
      i++;
    }
  }
  const more = i < sorted.length && sorted[i].startsWith(prefix);
  return { keys, commonPrefixes, marker: more && last ? encodeMarker(last) : '' };
}

/** Index of the first key after `pos` (after every key under it when it was a common prefix). */
function skipPast(sorted: readonly string[], pos: Position): number {
  if (!pos.d) return lowerBound(sorted, pos.k, true);
  const next = prefixSuccessor(pos.k);
  if (next !== undefined) return lowerBound(sorted, next);
  let i = lowerBound(sorted, pos.k);
  while (i < sorted.length && sorted[i].startsWith(pos.k)) i++;
  return i;
}
