import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBytesPerSecond, parseConfig, parseFraction } from '../../src/config/parse-config.js';

const FILE = '/etc/qjournal/config.ini';
const DIR = path.dirname(FILE);

const MINIMAL = `
[bucket]
name = photos
domain = http://cdn.example.com
[local]
root = ./backup
`;

/** A minimal valid config plus the given extra lines, appended per section (`ini` merges repeated sections). */
const withLines = (extra: string) => `${MINIMAL}\n${extra}\n`;
const problemsOf = (text: string) => parseConfig(text, FILE).errors.map((e) => `[${e.section}] ${e.key}`);

describe('parseConfig: a good config', () => {
  it('fills in every default (contract.md)', () => {
    const { config, errors, warnings } = parseConfig(MINIMAL, FILE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      file: FILE,
      bucket: { name: 'photos', domain: 'http://cdn.example.com', private: false, prefix: '' },
      local: { root: path.join(DIR, 'backup') },
      journal: { path: path.join(DIR, 'backup', '.qjournal', 'journal.db') },
      sync: { direction: 'both', deletes: 'keep', conflict: 'keep-both', concurrency: 4, exclude: [], maxDelete: 0.5, maxChange: 0.5, bwlimit: 0 },
      versions: { keepReplacedMs: 90 * 86_400_000, keepDeletedMs: 365 * 86_400_000 },
      log: { level: 'info', file: null },
      endpoints: null,
      region: 'auto',
      regionQuery: 'https://uc.qiniuapi.com',
      credentials: { profile: null },
    });
  });

  it('reads every key', () => {
    const text = `
; a comment
# another
[bucket]
name = photos
domain = https://cdn.example.com/base/   ; trailing slash is stripped
private = YES
prefix = photos/
region = z1

[local]
root = /srv/backup

[journal]
path = state/journal.db

[sync]
direction = Down
deletes = mirror
conflict = report
concurrency = 64
exclude = *.tmp, cache/ ,, .DS_Store
max_delete = 10%
max_change = 0.25
bwlimit = 10M

[versions]
keep_replaced = 2w
keep_deleted = forever

[log]
level = debug
file = logs/qjournal.log

[credentials]
profile = work
`;
    const { config, errors, warnings } = parseConfig(text, FILE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      file: FILE,
      bucket: { name: 'photos', domain: 'https://cdn.example.com/base', private: true, prefix: 'photos/' },
      local: { root: '/srv/backup' },
      journal: { path: path.join(DIR, 'state', 'journal.db') },
      sync: {
        direction: 'down',
        deletes: 'mirror',
        conflict: 'report',
        concurrency: 64,
        exclude: ['*.tmp', 'cache/', '.DS_Store'],
        maxDelete: 0.1,
        maxChange: 0.25,
        bwlimit: 10 * 1024 * 1024,
      },
      versions: { keepReplacedMs: 14 * 86_400_000, keepDeletedMs: null },
      log: { level: 'debug', file: path.join(DIR, 'logs', 'qjournal.log') },
      endpoints: null,
      region: 'z1',
      regionQuery: 'https://uc.qiniuapi.com',
      credentials: { profile: 'work' },
    });
  });

  it.each([
    ['true', true],
    ['false', false],
    ['yes', true],
    ['no', false],
    ['1', true],
    ['0', false],
    ['TRUE', true],
    ['', false],
  ])('private = %s → %s', (value, expected) => {
    expect(parseConfig(withLines(`[bucket]\nprivate = ${value}`), FILE).config?.bucket.private).toBe(expected);
  });

  it('resolves relative paths against the config file folder, and ~ against HOME', () => {
    const text = `[bucket]\nname = b\ndomain = http://d\n[local]\nroot = ../data\n[journal]\npath = ~/j.db\n[log]\nfile = ~\n`;
    const { config } = parseConfig(text, '/a/b/config.ini', { HOME: '/home/me' });
    expect(config?.local.root).toBe('/a/data');
    expect(config?.journal.path).toBe('/home/me/j.db');
    expect(config?.log.file).toBe('/home/me');
  });

  it('reports ~ when HOME is unknown', () => {
    const text = `[bucket]\nname = b\ndomain = http://d\n[local]\nroot = ~/backup\n`;
    expect(parseConfig(text, FILE, {}).errors).toEqual([
      { file: FILE, section: 'local', key: 'root', message: expect.stringContaining('HOME is not set') },
    ]);
  });

  it('ignores a byte order mark', () => {
    expect(parseConfig(`\uFEFF${MINIMAL}`, FILE).errors).toEqual([]);
  });
});

describe('parseConfig: [endpoints]', () => {
  it('one endpoint is enough: the others default to it', () => {
    const { config, errors } = parseConfig(withLines('[endpoints]\nrs = http://127.0.0.1:9000/'), FILE);
    expect(errors).toEqual([]);
    const url = 'http://127.0.0.1:9000';
    expect(config?.endpoints).toEqual({ rs: url, rsf: url, up: url, api: url, uc: url });
  });

  it('missing ones default to the first one given, in file order', () => {
    const { config } = parseConfig(withLines('[endpoints]\nup = http://up:1\nrs = http://rs:2'), FILE);
    expect(config?.endpoints).toEqual({ rs: 'http://rs:2', rsf: 'http://up:1', up: 'http://up:1', api: 'http://up:1', uc: 'http://up:1' });
  });

  it('all five', () => {
    const { config } = parseConfig(
      withLines('[endpoints]\nrs = https://rs\nrsf = https://rsf\nup = https://up\napi = https://api\nuc = https://uc'),
      FILE,
    );
    expect(config?.endpoints).toEqual({ rs: 'https://rs', rsf: 'https://rsf', up: 'https://up', api: 'https://api', uc: 'https://uc' });
  });

  it('an empty section means the production region, with a warning', () => {
    const { config, warnings } = parseConfig(withLines('[endpoints]'), FILE);
    expect(config?.endpoints).toBeNull();
    expect(warnings).toEqual([expect.stringContaining('[endpoints]: no endpoint is set')]);
  });

  it('only uc: the hosts stay the region query\'s, asked at that uc', () => {
    const { config, warnings } = parseConfig(withLines('[endpoints]\nuc = http://127.0.0.1:9000'), FILE);
    expect(warnings).toEqual([]);
    expect(config?.endpoints).toBeNull();
    expect(config?.region).toBe('auto');
    expect(config?.regionQuery).toBe('http://127.0.0.1:9000');
  });

  it('static hosts ask the region query (for the source domain) at their uc', () => {
    const { config } = parseConfig(withLines('[endpoints]\nrs = http://e:1\nuc = http://u:2'), FILE);
    expect(config?.endpoints).toEqual({ rs: 'http://e:1', rsf: 'http://e:1', up: 'http://e:1', api: 'http://e:1', uc: 'http://u:2' });
    expect(config?.regionQuery).toBe('http://u:2');
  });

  it('domain is optional: without it, downloads come from the source domain', () => {
    const { config, errors } = parseConfig('[bucket]\nname = b\n[local]\nroot = r', FILE);
    expect(errors).toEqual([]);
    expect(config?.bucket.domain).toBeNull();
  });

  it('region is ignored (with a warning) when endpoints are given', () => {
    const { config, warnings } = parseConfig(withLines('[bucket]\nregion = z2\n[endpoints]\nrs = http://e'), FILE);
    expect(config?.region).toBe('z2');
    expect(warnings).toEqual([`${FILE}: [bucket] region: ignored because [endpoints] sets service hosts`]);
  });
});

describe('parseConfig: every problem at once, each naming file, section and key', () => {
  it.each<[string, string, string[]]>([
    ['an empty file', '', ['[bucket] name', '[local] root']],
    ['empty required values', '[bucket]\nname =\ndomain =\n[local]\nroot =', ['[bucket] name', '[local] root']],
    ['a key without "="', '[bucket]\nname\ndomain = http://d\n[local]\nroot = r', ['[bucket] name']],
    ['a domain without scheme', '[bucket]\nname = b\ndomain = cdn.example.com\n[local]\nroot = r', ['[bucket] domain']],
    ['an ftp domain', '[bucket]\nname = b\ndomain = ftp://cdn.example.com\n[local]\nroot = r', ['[bucket] domain']],
    ['a domain with a query', '[bucket]\nname = b\ndomain = http://cdn/?x=1\n[local]\nroot = r', ['[bucket] domain']],
    [
      'everything wrong',
      `[bucket]
private = maybe
region = Z0!
[sync]
direction = sideways
deletes = purge
conflict = newest
concurrency = 0
max_delete = 50
bwlimit = fast
[log]
level = verbose
[endpoints]
rs = 127.0.0.1:9000
up = http://127.0.0.1:9000/up`,
      [
        '[bucket] name',
        '[bucket] private',
        '[bucket] region',
        '[local] root',
        '[sync] direction',
        '[sync] deletes',
        '[sync] conflict',
        '[sync] concurrency',
        '[sync] max_delete',
        '[sync] bwlimit',
        '[log] level',
        '[endpoints] rs',
        '[endpoints] up',
      ],
    ],
  ])('%s', (_name, text, expected) => {
    const { config, errors } = parseConfig(text, FILE);
    expect(config).toBeNull();
    expect(errors.map((e) => `[${e.section}] ${e.key}`)).toEqual(expected);
    for (const e of errors) {
      expect(e.file).toBe(FILE);
      expect(e.message.length).toBeGreaterThan(10);
    }
  });

  it.each([
    ['concurrency = 65'],
    ['concurrency = 2.5'],
    ['concurrency = -1'],
    ['concurrency = four'],
    ['max_delete = 150%'],
    ['max_delete = 1.5'],
    ['max_delete = -0.1'],
    ['max_delete = half'],
    ['bwlimit = 1.5'],
    ['bwlimit = 10X'],
    ['bwlimit = -1'],
    ['exclude[] = a\nconcurrency[] = 4'],
  ])('[sync] %s is rejected', (line) => {
    const key = /^(\w+)/.exec(line.split('\n').at(-1)!)![1];
    expect(problemsOf(withLines(`[sync]\n${line}`))).toEqual([`[sync] ${key}`]);
  });

  it('endpoints must share one scheme and have no path', () => {
    const { errors } = parseConfig(withLines('[endpoints]\nrs = http://a\nup = https://b\nuc = http://c/path'), FILE);
    expect(errors.map((e) => [e.key, e.message])).toEqual([
      ['up', expect.stringContaining('same scheme')],
      ['uc', expect.stringContaining('no path')],
    ]);
  });

  it('messages say what is accepted and what was given', () => {
    const { errors } = parseConfig(withLines('[sync]\ndirection = sideways'), FILE);
    expect(errors).toEqual([{ file: FILE, section: 'sync', key: 'direction', message: 'must be one of down, up, both (got "sideways")' }]);
    expect(parseConfig('', FILE).errors[0]).toEqual({
      file: FILE,
      section: 'bucket',
      key: 'name',
      message: 'missing: this key is required, e.g. "name = my-bucket"',
    });
    expect(parseConfig(withLines('[bucket]\ndomain = cdn.example.com'), FILE).errors[0].message).toContain('did you mean "http://cdn.example.com"?');
    expect(parseConfig(withLines('[sync]\nmax_delete = 50'), FILE).errors[0].message).toContain('did you mean 50%?');
  });
});

describe('parseConfig: warnings (typo protection)', () => {
  it.each<[string, string]>([
    ['[sync]\nconcurency = 8', '[sync] concurency: unknown key, ignored (did you mean "concurrency"?)'],
    ['[sync]\nmax-delete = 10%', '[sync] max-delete: unknown key, ignored (did you mean "max_delete"?)'],
    ['[sync]\nroot = x', '[sync] root: unknown key, ignored (did you mean to put it under [local]?)'],
    ['[sync]\nfrobnicate = 1', '[sync] frobnicate: unknown key, ignored'],
    ['[Sync]\nx = 1', '[Sync]: unknown section, ignored (did you mean [sync]?)'],
    ['[logs]\nlevel = debug', '[logs]: unknown section, ignored (did you mean [log]?)'],
    ['[sync.extra]\nx = 1', '[sync.extra]: unknown section, ignored'],
    ['[bucket]\nprefix = a/\nprefix = b/', '[bucket] prefix: given more than once; the last value wins'],
  ])('%s', (extra, warning) => {
    const { errors, warnings } = parseConfig(withLines(extra), FILE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([`${FILE}: ${warning}`]);
  });

  it('a key before any section', () => {
    const { warnings } = parseConfig(`root = x\n${MINIMAL}`, FILE);
    expect(warnings).toEqual([`${FILE}: (before any section) root: key outside any section, ignored (did you mean to put it under [local]?)`]);
  });

  it('a log file or journal inside root (outside .qjournal) would sync itself', () => {
    const { warnings } = parseConfig(withLines('[log]\nfile = backup/q.log\n[journal]\npath = backup/j.db'), FILE);
    expect(warnings).toEqual([
      expect.stringMatching(/\[log\] file: .*q\.log lies inside \[local\] root .*add "q\.log" to \[sync\] exclude$/),
      expect.stringMatching(/\[journal\] path: .*j\.db lies inside \[local\] root/),
    ]);
    expect(parseConfig(withLines('[log]\nfile = backup/.qjournal/q.log'), FILE).warnings).toEqual([]);
    expect(parseConfig(withLines('[log]\nfile = backup/q.log\n[sync]\nexclude = *.tmp, q.log'), FILE).warnings).toEqual([]);
  });
});

describe('value parsers', () => {
  it.each<[string, number | null]>([
    ['0', 0],
    ['1048576', 1048576],
    ['512k', 512 * 1024],
    ['512K', 512 * 1024],
    ['10M', 10 * 1024 ** 2],
    ['10MB', 10 * 1024 ** 2],
    ['1.5MiB/s', 1.5 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['100B', 100],
    ['1.5', null],
    ['M', null],
    ['10 T', null],
  ])('bwlimit %s → %s', (value, expected) => {
    expect(parseBytesPerSecond(value)).toBe(expected);
  });

  it.each<[string, number | 'error']>([
    ['50%', 0.5],
    ['0%', 0],
    ['100%', 1],
    ['12.5%', 0.125],
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1', 1],
    ['0', 0],
    ['101%', 'error'],
    ['2', 'error'],
    ['abc', 'error'],
  ])('max_delete %s → %s', (value, expected) => {
    const parsed = parseFraction(value);
    expect(typeof parsed === 'number' ? parsed : 'error').toBe(expected);
  });
});
