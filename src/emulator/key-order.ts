/**
 * Orders keys by their UTF-8 bytes, which is code point order. JS `<` compares UTF-16 code units and differs only
 * when a surrogate pair meets a BMP character at or above U+E000; those are remapped here.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

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
