import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/emulator/http/routes/download.js';
import { compareKeys, prefixSuccessor, sortKeys } from '../../src/emulator/state/key-order.js';
import { listPage } from '../../src/emulator/state/list.js';

// The emulator's pure pieces, table-driven: key order, listing pages and Range parsing.
describe('key order', () => {
  it('matches UTF-8 byte order, surrogate pairs included', () => {
    const keys = ['\uFFFD', '😀', '\uE000', 'é', 'z', 'a/b', 'a', 'a0', '\uD7FF', '𝄞'];
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sortKeys([...keys])).toEqual(bytes);
    expect([...keys].sort(compareKeys)).toEqual(bytes);
  });

  it.each([
    ['dir/', 'dir0'],
    ['a', 'b'],
    ['\uD7FF', '\uE000'],
    ['x😀', 'x😁'],
  ])('prefixSuccessor(%j) = %j', (prefix, next) => {
    expect(prefixSuccessor(prefix)).toBe(next);
  });
});

describe('listPage', () => {
  const keys = sortKeys(['a/1', 'a/2', 'a/b/3', 'a0', 'b/1', 'c', 'd/x/y', 'e']);
  const all = (query: { prefix?: string; delimiter?: string; limit: number }) => {
    const pages = [];
    let marker = '';
    do {
      const page = listPage(keys, { prefix: query.prefix ?? '', delimiter: query.delimiter ?? '', marker, limit: query.limit });
      pages.push([...page.commonPrefixes.map((p) => `${p}*`), ...page.keys]);
      marker = page.marker;
    } while (marker);
    return pages;
  };

  it.each([
    [{ limit: 3 }, [['a/1', 'a/2', 'a/b/3'], ['a0', 'b/1', 'c'], ['d/x/y', 'e']]],
    [{ limit: 8 }, [['a/1', 'a/2', 'a/b/3', 'a0', 'b/1', 'c', 'd/x/y', 'e']]],
    [{ delimiter: '/', limit: 2 }, [['a/*', 'a0'], ['b/*', 'c'], ['d/*', 'e']]],
    [{ delimiter: '/', limit: 1 }, [['a/*'], ['a0'], ['b/*'], ['c'], ['d/*'], ['e']]],
    [{ prefix: 'a/', delimiter: '/', limit: 1000 }, [['a/b/*', 'a/1', 'a/2']]],
    [{ prefix: 'a', limit: 2 }, [['a/1', 'a/2'], ['a/b/3', 'a0']]],
    [{ prefix: 'zz', limit: 10 }, [[]]],
  ])('%j', (query, expected) => {
    expect(all(query)).toEqual(expected);
  });

  it('refuses a marker it did not make (640)', () => {
    expect(() => listPage(keys, { prefix: '', delimiter: '', marker: 'garbage!', limit: 10 })).toThrow(expect.objectContaining({ status: 640 }));
  });
});

describe('parseRange', () => {
  it.each([
    ['bytes=0-0', 10, { start: 0, end: 0 }],
    ['bytes=2-5', 10, { start: 2, end: 5 }],
    ['bytes=5-', 10, { start: 5, end: 9 }],
    ['bytes=-3', 10, { start: 7, end: 9 }],
    ['bytes=-30', 10, { start: 0, end: 9 }],
    ['bytes=8-100', 10, { start: 8, end: 9 }],
    ['bytes=10-', 10, 'unsatisfiable'],
    ['bytes=-0', 10, 'unsatisfiable'],
    ['bytes=0-', 0, 'unsatisfiable'],
    ['bytes=5-2', 10, undefined],
    ['bytes=0-1,3-4', 10, undefined],
    ['items=0-1', 10, undefined],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
