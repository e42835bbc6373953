import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SYNC_STATES } from '../../src/core/types.js';
import { useEmulator } from '../helpers/emulator.js';
import { CLI, makeWorkspace, readTree, requestsOf, runCli } from '../helpers/workspace.js';

// The operational side of the built CLI: status --json shape, run history, schedule, init, encrypted keys, excludes,
// bwlimit. Issues #3, #4 and #5.
const emu = useEmulator();
beforeEach(() => emu.reset());

describe('status --json', () => {
  it('follows the contract and writes nothing', async () => {
    emu.seed({ 'a.txt': 'a', 'dir/b.txt': 'b' });
    const ws = await makeWorkspace(emu);
    const status = await ws.run('status', '--json');
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({ bucket: emu.bucket, root: ws.root, lastRun: null, counts: { 'new-remote': 2 } });
    expect(report.items).toEqual([
      { key: 'a.txt', path: 'a.txt', state: 'new-remote', action: 'download' },
      { key: 'dir/b.txt', path: 'dir/b.txt', state: 'new-remote', action: 'download' },
    ]);
    expect(status.stdout).not.toContain(emu.secretKey);
    expect(await fsp.readdir(ws.dir)).toEqual(['config.ini']);

    expect((await ws.run('sync')).code).toBe(0);
    const after = JSON.parse((await ws.run('status', '--json')).stdout);
    // Every state is counted, zeros included, so scripts can rely on the keys.
    expect(after.counts).toEqual({ ...Object.fromEntries(SYNC_STATES.map((s) => [s, 0])), 'in-sync': 2 });
    expect(after.lastRun).toMatchObject({ outcome: 'ok', downloaded: 2 });
  });
});

describe('log', () => {
  it('shows the run history from the journal, newest first', async () => {
    emu.seed({ 'a.txt': 'aaa' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('log')).stdout).toContain('No runs yet.');
    expect((await ws.run('sync')).code).toBe(0);
    emu.seed({ 'b.txt': 'bb' });
    expect((await ws.run('sync')).code).toBe(0);
    const text = await ws.run('log');
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^#2 .* sync down ok .*1 down \(2 B\)/);
    const json = JSON.parse((await ws.run('log', '--json')).stdout);
    expect(json.runs.map((r: { downloaded: number }) => r.downloaded)).toEqual([1, 1]);
  });
});

describe('schedule', () => {
  it('prints a weekly crontab line for this config', async () => {
    const ws = await makeWorkspace(emu);
    const out = await ws.run('schedule', '--when', 'Sun 03:00');
    expect(out.code).toBe(0);
    const line = out.stdout.split('\n').find((l) => !l.startsWith('#') && l.trim());
    expect(line).toMatch(/^0 3 \* \* 0 /);
    // It runs the CLI this test ran, which exists (the bundled one since the build bundles it).
    expect(line).toContain(`'${CLI}' sync`);
    expect(existsSync(CLI)).toBe(true);
    expect(line).toContain(ws.configPath);
    expect(line).toContain('sync');
  });

  it('prints a systemd user timer', async () => {
    const ws = await makeWorkspace(emu);
    const out = await ws.run('schedule', '--systemd', '--when', 'Mon 04:30');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/OnCalendar=Mon \*-\*-\* 04:30:00/);
    expect(out.stdout).toContain('ExecStart=');
  });

  it('refuses to schedule a broken config (exit 3)', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'sideways' } });
    expect((await ws.run('schedule')).code).toBe(3);
  });
});

describe('init and encrypted keys', () => {
  it('init writes a commented config that keys + sync then use', async () => {
    emu.seed({ 'hello.txt': 'hi' });
    const ws = await makeWorkspace(emu);
    const configPath = path.join(ws.dir, 'fresh.ini');
    const init = await runCli(['init', '--config', configPath, '--bucket', emu.bucket, '--domain', emu.domain, '--root', './fresh'], { env: ws.env });
    expect(init.code).toBe(0);
    const text = await fsp.readFile(configPath, 'utf8');
    expect(text).toMatch(/^;/m);
    // Point the fresh config at the emulator, as a user would for a private deployment.
    await fsp.appendFile(configPath, `\n[endpoints]\nrs = ${emu.url}\nrsf = ${emu.url}\nup = ${emu.url}\napi = ${emu.url}\nuc = ${emu.url}\n`);
    expect((await runCli(['init', '--config', configPath], { env: ws.env })).code).not.toBe(0);

    const credentials = path.join(ws.dir, 'creds.json');
    const keysEnv = { ...ws.env, QJOURNAL_CREDENTIALS: credentials, QJOURNAL_PASSPHRASE: 'correct horse' };
    expect((await runCli(['keys', 'set'], { env: keysEnv })).code).toBe(0);
    const stored = await fsp.readFile(credentials, 'utf8');
    expect(stored).not.toContain(emu.secretKey);
    expect((await fsp.stat(credentials)).mode & 0o777).toBe(0o600);

    const noEnvKeys = { ...keysEnv, QINIU_ACCESS_KEY: undefined, QINIU_SECRET_KEY: undefined };
    const sync = await runCli(['sync', '--config', configPath], { env: noEnvKeys });
    expect(sync.code).toBe(0);
    expect(await readTree(path.join(ws.dir, 'fresh'))).toEqual({ 'hello.txt': 'hi' });

    const wrongPass = await runCli(['sync', '--config', configPath], { env: { ...noEnvKeys, QJOURNAL_PASSPHRASE: 'wrong' } });
    expect(wrongPass.code).toBe(3);
    expect((await runCli(['keys', 'clear'], { env: keysEnv })).code).toBe(0);
    await expect(fsp.stat(credentials)).rejects.toThrow();
  });
});

describe('[sync] exclude', () => {
  it('applies both ways', async () => {
    emu.seed({ 'keep.txt': 'k', 'cache/big.tmp': 'x', 'notes.tmp': 't', 'deep/dir/cache/x.txt': 'c' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', exclude: '*.tmp, cache/' } });
    expect((await ws.run('sync')).code).toBe(0);
    expect(await readTree(ws.root)).toEqual({ 'keep.txt': 'k' });
    await fsp.writeFile(path.join(ws.root, 'local.tmp'), 'never uploaded');
    await fsp.mkdir(path.join(ws.root, 'cache'), { recursive: true });
    await fsp.writeFile(path.join(ws.root, 'cache', 'y.txt'), 'never uploaded');
    await fsp.writeFile(path.join(ws.root, 'up.txt'), 'uploaded');
    expect((await ws.run('sync')).code).toBe(0);
    expect([...emu.objects().keys()].sort()).toEqual(['cache/big.tmp', 'deep/dir/cache/x.txt', 'keep.txt', 'notes.tmp', 'up.txt']);
  });
});

describe('[sync] bwlimit', () => {
  it('paces downloads to the configured bytes per second', async () => {
    emu.seed({ 'a.bin': Buffer.alloc(3 << 20, 1) });
    const ws = await makeWorkspace(emu, { sync: { bwlimit: String(1 << 20) } });
    const started = Date.now();
    const run = await ws.run('sync');
    expect(run.code).toBe(0);
    // 3 MiB at 1 MiB/s: the pacer must hold the transfer for at least ~2 s (the first second's burst is allowed).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
    expect(requestsOf(emu, 'download')).toBeGreaterThanOrEqual(1);
  });
});
