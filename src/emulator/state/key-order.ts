import { compareKeys } from '../../core/key-order.js';

export { compareKeys };

const hasSurrogate = (s: string): boolean => /[\ud800-\udfff]/.test(s);

/** Sorts in place in UTF-8 byte order (the native sort when no key needs the slow comparator). */
export function sortKeys(keys: string[]): string[] {
  return keys.some(hasSurrogate) ? keys.sort(compareKeys) : keys.sort();
}

/** Index of the first key >= `target` (or > `target` when `strict`). */
export function lowerBound(sorted: readonly string[], target: string, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(sorted[mid], target);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The smallest string greater than every string that starts with `prefix` (undefined when none exists), so a
 * listing can jump past a whole "directory" with one binary search.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return chars.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
