import { describe, expect, it } from 'vitest';
import { decodePath, escapeSegment, foldKey, mapKeys, mapPaths, nfcKey, utf8Length } from '../../src/core/keys.js';
import { random } from '../helpers/random.js';

function pathOf(key: string, others: string[] = [], prefix = ''): string {
  const mapping = mapKeys([key, ...others], prefix).get(key)!;
  if (mapping.kind !== 'mapped') throw new Error(`unmappable: ${mapping.reason}`);
  return mapping.path;
}

function keyOf(path: string, others: string[] = [], prefix = ''): string {
  const mapping = mapPaths([path, ...others], prefix).get(path)!;
  if (mapping.kind !== 'mapped') throw new Error(`unmappable: ${mapping.reason}`);
  return mapping.key;
}


describe('mapKeys: the README escape table', () => {
  it.each([
    ['plain', 'photos/a.jpg', 'photos/a.jpg'],
    ['dot segment', './d.txt', '%2E/d.txt'],
    ['dot-dot segment', '../up.txt', '%2E%2E/up.txt'],
    ['dot-dot in the middle', 'a/../b', 'a/%2E%2E/b'],
    ['dots that are not . or ..', '.../..a/.b', '.../..a/.b'],
    ['empty segment in the middle', 'a//b.txt', 'a/%/b.txt'],
    ['leading slash', '/lead.txt', '%/lead.txt'],
    ['trailing slash: an empty file name inside the folder', 'trail/', 'trail/%'],
    ['only a slash', '/', '%/%'],
    ['NUL', 'nul\0byte', 'nul%00byte'],
    ['other %XX stays as it is', 'a%20b.pdf', 'a%20b.pdf'],
    ['% before 25 (an escape qjournal writes)', 'p%25.txt', 'p%2525.txt'],
    ['% before lower-case 2e', 'p%2e', 'p%252e'],
    ['% at the end', 'end%', 'end%25'],
    ['a lone %', '%', '%25'],
    ['%% ', '%%', '%%25'],
    ['other % stays', '50% off.txt', '50% off.txt'],
    ['% before one hex digit and a non-hex', '%4g', '%4g'],
    ['% before NUL', '%\0', '%%00'],
    ['literal %00', '%00', '%2500'],
    ['literal %2E', '%2E', '%252E'],
    ['literal %25', '%25', '%2525'],
    ['.qjournal at the top', '.qjournal/journal.db', '%2Eqjournal/journal.db'],
    ['.qjournal in another case (case-insensitive disks)', '.QJournal/x', '%2EQJournal/x'],
    ['.qjournal as a top-level file', '.qjournal', '%2Eqjournal'],
    ['.qjournal deeper is an ordinary name', 'a/.qjournal/x', 'a/.qjournal/x'],
    ['similar names stay', '.qjournalx/.qjourna', '.qjournalx/.qjourna'],
    ['unicode is kept byte for byte', '年/café/cafe\u0301', '年/café/cafe\u0301'],
  ])('%s: %j → %j', (_name, key, path) => {
    expect(pathOf(key)).toBe(path);
    expect(keyOf(path)).toBe(key);
  });

  it('a file x beside keys x/... becomes x% and the folder keeps its name', () => {
    const m = mapKeys(['x', 'x/y', 'x/z/w'], '');
    expect(m.get('x')).toEqual({ kind: 'mapped', path: 'x%' });
    expect(m.get('x/y')).toEqual({ kind: 'mapped', path: 'x/y' });
    expect(m.get('x/z/w')).toEqual({ kind: 'mapped', path: 'x/z/w' });
    expect(mapKeys(['x'], '').get('x')).toEqual({ kind: 'mapped', path: 'x' });
  });

  it('nested beside-folder files, a trailing slash beside a//b, and an escaped name beside its folder', () => {
    const m = mapKeys(['a', 'a/', 'a//b', 'a/b', 'a/b/c', '..', '../x', '.qjournal', '.qjournal/y'], '');
    expect(Object.fromEntries([...m].map(([k, v]) => [k, v.kind === 'mapped' ? v.path : v.reason]))).toEqual({
      a: 'a%',
      'a/': 'a/%%',
      'a//b': 'a/%/b',
      'a/b': 'a/b%',
      'a/b/c': 'a/b/c',
      '..': '%2E%2E%',
      '../x': '%2E%2E/x',
      '.qjournal': '%2Eqjournal%',
      '.qjournal/y': '%2Eqjournal/y',
    });
  });

  it('strips the prefix; the key equal to the prefix is the empty name', () => {
    const m = mapKeys(['backup/a.txt', 'backup/', 'backup/d/e', 'backup'], 'backup/');
    expect(m.get('backup/a.txt')).toEqual({ kind: 'mapped', path: 'a.txt' });
    expect(m.get('backup/')).toEqual({ kind: 'mapped', path: '%' });
    expect(m.get('backup/d/e')).toEqual({ kind: 'mapped', path: 'd/e' });
    expect(m.get('backup')).toMatchObject({ kind: 'unmappable', reason: expect.stringContaining('prefix') });
    expect(mapPaths(['a.txt', 'd/e', '%'], 'backup/').get('%')).toEqual({ kind: 'mapped', key: 'backup/' });
  });

  it('a prefix without a trailing slash is a plain string prefix', () => {
    expect(pathOf('photos/a.jpg', [], 'photos')).toBe('%/a.jpg');
    expect(keyOf('%/a.jpg', [], 'photos')).toBe('photos/a.jpg');
  });

  it('segments over 255 bytes once escaped are unmappable, with a reason', () => {
    expect(mapKeys(['d/' + 'x'.repeat(255)], '').get('d/' + 'x'.repeat(255))).toEqual({ kind: 'mapped', path: 'd/' + 'x'.repeat(255) });
    for (const key of ['x'.repeat(256), `a/${'é'.repeat(128)}/b`, '%2E'.repeat(64), `${'日'.repeat(86)}/x`]) {
      const m = mapKeys([key], '').get(key)!;
      expect(m.kind, key.slice(0, 20)).toBe('unmappable');
      expect(m.kind === 'unmappable' && m.reason).toMatch(/255 bytes/);
    }
    // The beside-folder mark counts too.
    const long = 'y'.repeat(255);
    expect(mapKeys([long, `${long}/z`], '').get(long)!.kind).toBe('unmappable');
    expect(mapKeys(['y'.repeat(254), `${'y'.repeat(254)}/z`], '').get('y'.repeat(254))).toEqual({ kind: 'mapped', path: `${'y'.repeat(254)}%` });
  });

  it('keys longer than 750 bytes still map when every segment fits', () => {
    const key = Array.from({ length: 5 }, (_, i) => String(i).repeat(200)).join('/');
    expect(utf8Length(key)).toBeGreaterThan(750);
    expect(pathOf(key)).toBe(key);
  });

  it('keys are compared byte-exact: NFC and NFD keys map to different paths', () => {
    const m = mapKeys(['café', 'cafe\u0301'], '');
    expect(m.get('café')).toEqual({ kind: 'mapped', path: 'café' });
    expect(m.get('cafe\u0301')).toEqual({ kind: 'mapped', path: 'cafe\u0301' });
    expect(nfcKey('cafe\u0301')).toBe('café');
    expect(foldKey('CAFE\u0301')).toBe('café');
  });
});

describe('mapPaths: only canonical names map back', () => {
  it.each([
    ['a%2E.txt', /%2E/],
    ['%2e', /%2e/],
    ['%2e%2e/x', /%2e/],
    ['a%2Eb', /%2E/],
    ['%2Eqjournal/%2e', /%2e/],
    ['.', /not canonical/],
    ['..', /not canonical/],
    ['a/../b', /not canonical/],
    ['a//b', /empty/],
    ['', /empty/],
    ['/abs', /empty/],
    ['dir/', /empty/],
    ['end%', /not the canonical name of key "end"/],
    ['x%/y', /not an escape/],
    ['x%%%', /not an escape/],
    ['nul\0byte', /not canonical/],
    ['.qjournal/journal.db', /\.qjournal/],
    ['.qjournal', /\.qjournal/],
    ['.QJournal/x', /not canonical/],
    ['p%2525%', /not the canonical name/],
    ['x%', /not the canonical name of key "x" \(that is "x"\)/],
    ['%%', /not the canonical name/],
  ])('%j is unmappable', (path, reason) => {
    const m = mapPaths([path], '').get(path)!;
    expect(m.kind).toBe('unmappable');
    expect(m.kind === 'unmappable' && m.reason).toMatch(reason);
  });

  it('x% maps to key x only when the folder x/ is among the paths', () => {
    const m = mapPaths(['x%', 'x/y'], '');
    expect(m.get('x%')).toEqual({ kind: 'mapped', key: 'x' });
    expect(m.get('x/y')).toEqual({ kind: 'mapped', key: 'x/y' });
  });

  it('two names for one key: only the canonical one maps', () => {
    const m = mapPaths(['x', 'x%'], '');
    expect(m.get('x')).toEqual({ kind: 'mapped', key: 'x' });
    expect(m.get('x%')!.kind).toBe('unmappable');
  });

  it('%2Eqjournal at the top stands for .qjournal, in the case it was written', () => {
    expect(keyOf('%2Eqjournal/x')).toBe('.qjournal/x');
    expect(keyOf('%2EQJOURNAL')).toBe('.QJOURNAL');
  });

  it('%2Eqjournal below the top is not canonical (the name .qjournal needs no escape there)', () => {
    expect(mapPaths(['a/%2Eqjournal'], '').get('a/%2Eqjournal')!.kind).toBe('unmappable');
    expect(keyOf('a/.qjournal')).toBe('a/.qjournal');
  });

  it('decodePath ignores the beside-folder context (callers check it against the whole set)', () => {
    expect(decodePath('x%', '')).toEqual({ kind: 'decoded', key: 'x' });
    expect(decodePath('p/%2E%2E/%', 'pre/')).toEqual({ kind: 'decoded', key: 'pre/p/../' });
    expect(decodePath('a%2E', '').kind).toBe('invalid');
    expect(decodePath('a%41', '')).toEqual({ kind: 'decoded', key: 'a%41' });
  });
});

describe('the escape is injective', () => {
  /** Every string over an alphabet chosen to hit every rule, up to length 4. */
  function allStrings(alphabet: string[], maxLength: number): string[] {
    const out = [''];
    let level = [''];
    for (let n = 1; n <= maxLength; n++) {
      level = level.flatMap((s) => alphabet.map((c) => s + c));
      out.push(...level);
    }
    return out;
  }
  const segments = [...allStrings(['%', '2', '5', 'E', 'e', '0', '4', '.', 'a', '\0'], 4), '.qjournal', '.QJOURNAL', '%2Eqjournal', '%2Eqjournal%'];

  it.each([true, false])('escapeSegment(·, atRoot = %s) maps distinct segments to distinct names, none marked like a file beside a folder', (atRoot) => {
    const names = new Map<string, string>();
    for (const segment of segments) {
      const name = escapeSegment(segment, atRoot);
      expect(names.get(name), `${JSON.stringify(segment)} and ${JSON.stringify(names.get(name))} → ${JSON.stringify(name)}`).toBeUndefined();
      names.set(name, segment);
      expect(name === '%' || !name.endsWith('%'), JSON.stringify(name)).toBe(true);
      expect(name).not.toMatch(/[\0/]/);
      expect(['', '.', '..']).not.toContain(name);
      if (atRoot) expect(name.toLowerCase()).not.toBe('.qjournal');
    }
    // A marked name (escaped + `%`) is never an unmarked one.
    for (const name of names.keys()) expect(names.has(`${name}%`), JSON.stringify(name)).toBe(false);
  });

  it('every escaped segment decodes back to its segment, at the root and below', () => {
    for (const segment of segments) {
      expect(keyOf(escapeSegment(segment, true))).toBe(segment);
      expect(keyOf(`d/${escapeSegment(segment, false)}`)).toBe(`d/${segment}`);
    }
  });
});

describe('round trip: mapPaths(mapKeys(keys)) recovers every key', () => {
  const pieces = ['a', 'b', 'x', '.', '..', '', '%', '%41', '%2E', '%25', '%00', '%2', '\0', 'é', 'e\u0301', 'É', '.qjournal', '.QJournal', '50% off', '日本', ' ', '~', '#?&+', 'y%'];
  const prefixes = ['', 'pre/', 'p%41/'];

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random key sets, seed %i', (seed) => {
    const next = random(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
    for (let run = 0; run < 250; run++) {
      const prefix = pick(prefixes);
      const keys = new Set<string>();
      const count = 1 + Math.floor(next() * 12);
      for (let i = 0; i < count; i++) {
        const depth = 1 + Math.floor(next() * 4);
        const segments = Array.from({ length: depth }, () => Array.from({ length: 1 + Math.floor(next() * 2) }, () => pick(pieces)).join(''));
        const key = segments.join('/');
        keys.add(prefix + key);
        // `x` beside `x/...`: add the parent folder as a file now and then.
        if (depth > 1 && next() < 0.3) keys.add(prefix + segments.slice(0, -1).join('/'));
      }
      const mapped = mapKeys(keys, prefix);
      const paths = new Map<string, string>();
      for (const [key, m] of mapped) {
        expect(m.kind, JSON.stringify(key)).toBe('mapped');
        if (m.kind !== 'mapped') continue;
        expect(paths.get(m.path), `${JSON.stringify(key)} collides`).toBeUndefined();
        paths.set(m.path, key);
        const names = m.path.split('/');
        for (const name of names) {
          expect(['', '.', '..']).not.toContain(name);
          expect(name).not.toContain('\0');
        }
        expect(names[0].toLowerCase()).not.toBe('.qjournal');
      }
      const back = mapPaths(paths.keys(), prefix);
      for (const [path, key] of paths) expect(back.get(path), JSON.stringify(path)).toEqual({ kind: 'mapped', key });
    }
  });

  it('the e2e key set round-trips', () => {
    const keys = ['../up.txt', 'a//b.txt', '.qjournal/x', 'x', 'x/y', 'p%25.txt', 'q%20.txt', './d.txt', 'trail/'];
    const mapped = mapKeys(keys, '');
    const paths = keys.map((k) => {
      const m = mapped.get(k)!;
      return m.kind === 'mapped' ? m.path : '';
    });
    expect(paths).toEqual(['%2E%2E/up.txt', 'a/%/b.txt', '%2Eqjournal/x', 'x%', 'x/y', 'p%2525.txt', 'q%20.txt', '%2E/d.txt', 'trail/%']);
    const back = mapPaths(paths, '');
    expect(paths.map((p) => back.get(p))).toEqual(keys.map((key) => ({ kind: 'mapped', key })));
  });
});
