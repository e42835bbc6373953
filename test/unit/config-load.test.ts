import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configTemplate } from '../../src/config/init-template.js';
import { loadConfig, resolveConfigPath } from '../../src/config/load-config.js';
import { CONFIG_KEYS, parseConfig } from '../../src/config/parse-config.js';
import { ConfigError } from '../../src/errors.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-config-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('resolveConfigPath', () => {
  it('--config, else QJOURNAL_CONFIG, else ./config.ini; always absolute', () => {
    expect(resolveConfigPath('my.ini', { QJOURNAL_CONFIG: '/env.ini' }, '/cwd')).toBe('/cwd/my.ini');
    expect(resolveConfigPath(undefined, { QJOURNAL_CONFIG: 'env.ini' }, '/cwd')).toBe('/cwd/env.ini');
    expect(resolveConfigPath(undefined, { QJOURNAL_CONFIG: '' }, '/cwd')).toBe('/cwd/config.ini');
    expect(resolveConfigPath(undefined, {}, '/cwd')).toBe('/cwd/config.ini');
    expect(path.isAbsolute(resolveConfigPath(undefined, {}))).toBe(true);
  });
});

describe('loadConfig', () => {
  const errorOf = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  };

  it('loads a valid file, resolving paths against its folder', async () => {
    const file = path.join(dir, 'config.ini');
    await fsp.writeFile(file, configTemplate({ bucket: 'b', domain: 'http://cdn.example.com/' }) + '\n[sync]\nconcurency = 3\n');
    const { config, warnings } = await loadConfig(file);
    expect(config.local.root).toBe(path.join(dir, 'backup'));
    expect(config.bucket.domain).toBe('http://cdn.example.com');
    expect(warnings).toEqual([`${file}: [sync] concurency: unknown key, ignored (did you mean "concurrency"?)`]);
  });

  it('a missing file says how to create one', async () => {
    const file = path.join(dir, 'nope.ini');
    const err = await errorOf(loadConfig(file));
    expect(err.problems).toEqual([{ file, section: '', key: '', message: expect.stringContaining('does not exist') }]);
    expect(err.message).toContain('qjournal init');
  });

  it('a folder is not a config file', async () => {
    const err = await errorOf(loadConfig(dir));
    expect(err.problems).toEqual([{ file: dir, section: '', key: '', message: expect.stringContaining('is not a file') }]);
  });

  it('an unreadable file', async () => {
    const file = path.join(dir, 'config.ini');
    await fsp.writeFile(file, '', { mode: 0o000 });
    if (process.getuid?.() !== 0) {
      const err = await errorOf(loadConfig(file));
      expect(err.problems[0].message).toContain('permission denied');
      return;
    }
    // Root reads any file: ask from a child without the capabilities that let root ignore file modes (CI runs as
    // root). It stays uid 0, so it still reads the repository wherever CI cloned it.
    const script = `import('${path.join(repo, 'dist/src/config/load-config.js')}').then((m) => m.loadConfig(process.argv[1])).then(
      () => console.log('loaded'), (err) => console.log(JSON.stringify(err.problems)))`;
    const child = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, '-e', script, file], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)[0]).toEqual({ file, section: '', key: '', message: expect.stringContaining('permission denied') });
  });

  it('an invalid file throws every problem at once', async () => {
    const file = path.join(dir, 'config.ini');
    await fsp.writeFile(file, '[sync]\ndirection = sideways\n');
    const err = await errorOf(loadConfig(file));
    expect(err.problems.map((p) => `${p.section}.${p.key}`)).toEqual(['bucket.name', 'local.root', 'sync.direction']);
    expect(err.message.split('\n')).toHaveLength(3);
  });
});

describe('configTemplate', () => {
  const FILE = '/srv/q/config.ini';

  it('config.ini.example is exactly configTemplate()', async () => {
    expect(await fsp.readFile(path.join(repo, 'config.ini.example'), 'utf8')).toBe(configTemplate());
  });

  it('unedited, it fails only on the bucket name', () => {
    const { errors, warnings } = parseConfig(configTemplate(), FILE);
    expect(errors.map((e) => `${e.section}.${e.key}`)).toEqual(['bucket.name']);
    expect(warnings).toEqual([]);
  });

  it('filled in, it parses with no errors or warnings and contract defaults', () => {
    const { config, errors, warnings } = parseConfig(configTemplate({ bucket: 'my-bucket', domain: 'http://cdn.example.com', root: '/data/b' }), FILE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      bucket: { name: 'my-bucket', domain: 'http://cdn.example.com', private: false, prefix: '' },
      local: { root: '/data/b' },
      journal: { path: '/data/b/.qjournal/journal.db' },
      sync: { direction: 'both', deletes: 'keep', conflict: 'keep-both', concurrency: 4, exclude: [], maxDelete: 0.5, bwlimit: 0 },
      log: { level: 'info', file: null },
      endpoints: null,
      region: 'auto',
      regionQuery: 'https://uc.qiniuapi.com',
    });
  });

  it('with endpoints (the emulator), and values that need escaping', () => {
    const text = configTemplate({ bucket: 'b', domain: 'http://127.0.0.1:9000', root: './my;backup #1', endpoints: 'http://127.0.0.1:9000' });
    const { config, errors, warnings } = parseConfig(text, FILE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config?.local.root).toBe('/srv/q/my;backup #1');
    const url = 'http://127.0.0.1:9000';
    expect(config?.endpoints).toEqual({ rs: url, rsf: url, up: url, api: url, uc: url });
  });

  it('documents every key', () => {
    const text = configTemplate();
    for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
      expect(text).toMatch(new RegExp(`^;? ?\\[${section}\\]$`, 'm'));
      for (const key of keys) expect(text).toMatch(new RegExp(`^;? ?${key} =`, 'm'));
    }
  });
});
