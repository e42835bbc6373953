import { describe, expect, it } from 'vitest';
import { encodeKeyForUrl } from '../../src/remote/download-url.js';

describe('encodeKeyForUrl', () => {
  it.each([
    ['dir/a b.txt', 'dir/a%20b.txt'],
    ['a?b#c&d+e%20f.txt', 'a%3Fb%23c%26d%2Be%2520f.txt'],
    ['年/报告.txt', '%E5%B9%B4/%E6%8A%A5%E5%91%8A.txt'],
    // Keys with dot or empty segments would be normalised away by HTTP stacks: every `/` is sent as %2F.
    ['../evil.txt', '..%2Fevil.txt'],
    ['a//b', 'a%2F%2Fb'],
    ['/abs', '%2Fabs'],
  ])('%j → %j', (key, encoded) => {
    expect(encodeKeyForUrl(key)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(key);
  });
});
