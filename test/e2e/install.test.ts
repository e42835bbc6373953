import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { startLocalRegistry } from '../helpers/local-registry.js';
import { readTree } from '../helpers/workspace.js';

// Issue #17: qjournal installs like a real CLI. `npm pack` (what a release publishes), then `npm install -g` of that
// tarball into an empty prefix through a registry on 127.0.0.1 (test/helpers/local-registry.ts: the repository's own
// installed dependencies, with the already-compiled SQLite module, so the test costs seconds, not a 50 s compile),
// then the installed `qjournal` runs from another folder.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-install-'));
});
afterAll(async () => {
  await emu?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('npm pack + npm install -g', () => {
  it('installs into an empty prefix and runs --help and a sync from another folder', async () => {
    const npmEnv = {
      ...process.env,
      // Nothing from this machine's npm set-up: its own cache and config, our registry only.
      npm_config_cache: path.join(dir, 'npm-cache'),
      npm_config_userconfig: path.join(dir, 'npmrc'),
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    await fsp.writeFile(path.join(dir, 'npmrc'), '');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repo, env: npmEnv });
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const files = info.files.map((f) => f.path).sort();
    expect(files).toContain('dist/cli/qjournal.js');
    expect(files).toContain('dist/cli/walk-worker.js');
    expect(files).toContain('config.ini.example');
    expect(files).toContain('dist/ui/index.html');
    expect(files.filter((f) => !f.startsWith('dist/cli/') && !f.startsWith('dist/ui/'))).toEqual(['README.md', 'config.ini.example', 'package.json']);

    const registry = await startLocalRegistry(repo);
    const prefix = path.join(dir, 'prefix');
    try {
      await run('npm', ['install', '-g', '--prefix', prefix, '--registry', registry.url, '--ignore-scripts', path.join(dir, info.filename)], {
        cwd: dir,
        env: npmEnv,
      });
    } finally {
      await registry.close();
    }
    // Only what runs: the bundle needs better-sqlite3 (a native module) and nothing of the build.
    const installed = await fsp.readdir(path.join(prefix, 'lib', 'node_modules', 'qjournal', 'node_modules'));
    expect(installed).toContain('better-sqlite3');
    for (const dev of ['typescript', 'vitest', 'rolldown', 'qiniu', 'kysely', 'commander']) expect(installed).not.toContain(dev);

    const elsewhere = path.join(dir, 'elsewhere');
    await fsp.mkdir(elsewhere);
    const bin = path.join(prefix, 'bin', 'qjournal');
    const env = { PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`, HOME: dir, QINIU_ACCESS_KEY: emu.accessKey, QINIU_SECRET_KEY: emu.secretKey };
    const help = await run(bin, ['--help'], { cwd: elsewhere, env });
    expect(help.stdout).toContain('Usage: qjournal');
    expect(help.stdout).toContain('Exit codes:');

    emu.seed({ 'a.txt': 'alpha', 'dir/b.txt': 'beta' });
    await fsp.writeFile(
      path.join(elsewhere, 'config.ini'),
      `[bucket]\nname = ${emu.bucket}\ndomain = ${emu.domain}\n[local]\nroot = ./backup\n[endpoints]\nrs = ${emu.url}\n`,
    );
    // `qjournal` found on PATH, as a user types it.
    const sync = await run('qjournal', ['sync'], { cwd: elsewhere, env });
    expect(sync.stderr).toMatch(/\[INFO\] Done: /);
    expect(await readTree(path.join(elsewhere, 'backup'))).toEqual({ 'a.txt': 'alpha', 'dir/b.txt': 'beta' });
  }, 120_000);
});
