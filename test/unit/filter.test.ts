import { describe, expect, it } from 'vitest';
import { compileExcludes } from '../../src/core/filter.js';

describe('compileExcludes', () => {
  it.each([
    // pattern, path, excluded?
    ['*.tmp', 'a.tmp', true],
    ['*.tmp', 'deep/er/a.tmp', true],
    ['*.tmp', 'a.tmp.txt', false],
    ['*.tmp', 'tmp', false],
    ['*.tmp', 'x.tmp/inner.txt', true], // a folder named x.tmp excludes what it holds
    ['*', 'anything/at/all', true],
    ['?.txt', 'a.txt', true],
    ['?.txt', 'ab.txt', false],
    ['?.txt', 'd/a.txt', true],
    ['a?b', 'a/b', false], // `?` never matches `/`
    ['[abc].log', 'b.log', true],
    ['[abc].log', 'd.log', false],
    ['[a-c].log', 'c.log', true],
    ['[!a-c].log', 'c.log', false],
    ['[!a-c].log', 'z.log', true],
    ['[^a-c].log', 'z.log', true],
    ['a[!x]c', 'a/c', false], // a class never matches `/`, negated or not
    ['a[!x]c', 'abc', true],
    ['a[+-0]c', 'a/c', false],
    ['a[+-0]c', 'a-c', true],
    ['[]].txt', '].txt', true],
    ['[.txt', '[.txt', true], // unclosed `[` is literal
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    ['a+b(c).txt', 'a+b(c).txt', true], // regex characters are literal
    ['a+b(c).txt', 'aab(c).txt', false],
    ['node_modules', 'node_modules/x/y.js', true],
    ['node_modules', 'src/node_modules/x.js', true],
    ['node_modules', 'node_modules2/x.js', false],
    // anchored
    ['/build', 'build', true],
    ['/build', 'build/out.js', true],
    ['/build', 'src/build/out.js', false],
    ['docs/*.md', 'docs/a.md', true],
    ['docs/*.md', 'docs/sub/a.md', false],
    ['docs/*.md', 'x/docs/a.md', false],
    ['./top.txt', 'top.txt', true],
    ['./top.txt', 'd/top.txt', false],
    // **
    ['**/cache', 'cache/x', true],
    ['**/cache', 'a/b/cache/x', true],
    ['**/cache', 'a/b/cachex', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'ab', false],
    ['logs/**', 'logs/a', true],
    ['logs/**', 'logs/a/b/c', true],
    ['logs/**', 'logs', false],
    ['logs/**', 'logs2/a', false],
    ['**', 'a/b', true],
    ['a**b', 'axxb', true], // not a whole segment: a plain `*`
    ['a**b', 'a/b', false],
    // case-sensitive, unicode, odd names
    ['*.JPG', 'a.jpg', false],
    ['年*', '年报.pdf', true],
    ['*', '.hidden', true],
  ])('%j on %j → %s', (pattern, path, excluded) => {
    expect(compileExcludes([pattern])(path)).toBe(excluded);
  });

  describe('a trailing slash matches folders only', () => {
    const isExcluded = compileExcludes(['cache/']);
    it.each([
      ['cache/', true], // the walker asks about the folder itself
      ['a/cache/', true],
      ['cache/x.bin', true], // and remote keys / journal paths beneath it
      ['a/cache/b/c.bin', true],
      ['cache', false], // a file named cache
      ['a/cache', false],
      ['cached/', false],
    ])('%j → %s', (path, excluded) => {
      expect(isExcluded(path)).toBe(excluded);
    });

    it('anchored folder patterns', () => {
      const anchored = compileExcludes(['/tmp/', 'a/b/']);
      expect(anchored('tmp/')).toBe(true);
      expect(anchored('tmp/x')).toBe(true);
      expect(anchored('tmp')).toBe(false);
      expect(anchored('d/tmp/x')).toBe(false);
      expect(anchored('a/b/c')).toBe(true);
      expect(anchored('a/b')).toBe(false);
      expect(anchored('x/a/b/c')).toBe(false);
    });
  });

  it('several patterns: any match excludes; empty list excludes nothing', () => {
    const isExcluded = compileExcludes(['*.tmp', '/private/', 'Thumbs.db']);
    expect(isExcluded('x.tmp')).toBe(true);
    expect(isExcluded('private/key.pem')).toBe(true);
    expect(isExcluded('p/Thumbs.db')).toBe(true);
    expect(isExcluded('p/photo.jpg')).toBe(false);
    expect(compileExcludes([])('anything')).toBe(false);
    expect(compileExcludes(['', '/'])('anything')).toBe(false);
  });

  it('asks about each folder once and gives the same answers again', () => {
    const isExcluded = compileExcludes(['skip/']);
    const paths = ['skip/a', 'skip/b/c', 'keep/a', 'keep/skip/x', 'keep/skipped'];
    const first = paths.map(isExcluded);
    expect(first).toEqual([true, true, false, true, false]);
    expect(paths.map(isExcluded)).toEqual(first);
  });
});
