/**
 * Orders keys by their UTF-8 bytes, which is code point order: the order Kodo lists a bucket in and SQLite's BINARY
 * collation sorts text in. JS `<` compares UTF-16 code units and differs only when a surrogate pair meets a BMP
 * character at or above U+E000; those are remapped here.
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
