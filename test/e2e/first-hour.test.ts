import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduleName } from '../../src/core/schedule.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { CLI, localTree, makeWorkspace, readTree, runCli } from '../helpers/workspace.js';

// Issue #17: what a new user meets in the first hour, through the built CLI.
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emu?.close();
});
beforeEach(() => emu.reset());

describe('one name for a file: restore takes the key or the local path', () => {
  it('by the local path under a prefix, by the key, and by the path on disk', async () => {
    emu.seed({ 'big/file0.bin': 'zero', 'big/file1.bin': 'one', 'big/sub/file2.bin': 'two' });
    const ws = await makeWorkspace(emu, { bucket: { prefix: 'big/' } });
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.rm(path.join(ws.root, 'file0.bin'));
    await fsp.rm(path.join(ws.root, 'file1.bin'));
    await fsp.rm(path.join(ws.root, 'sub', 'file2.bin'));

    // status shows the local path; restore accepts exactly that.
    const byPath = await ws.run('restore', 'file0.bin');
    expect(byPath.code, byPath.stderr).toBe(0);
    expect(byPath.stdout).toBe(`Restored big/file0.bin (local path file0.bin) to ${path.join(ws.root, 'file0.bin')}\n`);
    const byKey = await ws.run('restore', 'big/file1.bin');
    expect(byKey.code, byKey.stderr).toBe(0);
    const onDisk = await runCli(['restore', './backup/sub/file2.bin', '--config', ws.configPath], { env: ws.env, cwd: ws.dir });
    expect(onDisk.code, onDisk.stderr).toBe(0);
    expect(await readTree(ws.root)).toEqual({ 'file0.bin': 'zero', 'file1.bin': 'one', 'sub/file2.bin': 'two' });

    const missing = await ws.run('restore', 'nothing.bin');
    expect(missing.code).toBe(8);
    const outside = await ws.run('restore', '/etc/passwd');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('neither a key under the prefix "big/" nor a path inside');
  });

  it('by the escaped name status shows, and by the key', async () => {
    emu.seed({ '../evil.txt': 'evil', 'a//b.txt': 'ab' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    expect(await readTree(ws.root)).toEqual({ '%2E%2E/evil.txt': 'evil', 'a/%/b.txt': 'ab' });
    await fsp.rm(path.join(ws.root, '%2E%2E', 'evil.txt'));
    await fsp.rm(path.join(ws.root, 'a', '%', 'b.txt'));

    const escaped = await ws.run('restore', '%2E%2E/evil.txt');
    expect(escaped.code, escaped.stderr).toBe(0);
    expect(escaped.stdout).toContain('Restored ../evil.txt (local path %2E%2E/evil.txt)');
    const byKey = await ws.run('restore', 'a//b.txt', '--json');
    expect(byKey.code, byKey.stderr).toBe(0);
    expect(JSON.parse(byKey.stdout)).toMatchObject({ kind: 'downloaded', key: 'a//b.txt', localPath: 'a/%/b.txt' });
    expect(await readTree(ws.root)).toEqual({ '%2E%2E/evil.txt': 'evil', 'a/%/b.txt': 'ab' });
  });
});

/** A folder with fake `crontab` and `systemctl` first on PATH (the real ones would change this machine's schedule). */
async function fakeScheduler(dir: string, opts: { systemctlFails?: boolean } = {}) {
  const bin = path.join(dir, 'fake-bin');
  await fsp.mkdir(bin, { recursive: true });
  const crontab = path.join(dir, 'crontab.txt');
  const calls = path.join(dir, 'systemctl.log');
  await fsp.writeFile(
    path.join(bin, 'crontab'),
    `#!/bin/sh\nif [ "$1" = "-l" ]; then [ -f "$FAKE_CRONTAB" ] && exec cat "$FAKE_CRONTAB"; echo "no crontab for you" >&2; exit 1; fi\n` +
      `if [ "$1" = "-" ]; then cat > "$FAKE_CRONTAB"; exit 0; fi\nexit 2\n`,
    { mode: 0o755 },
  );
  await fsp.writeFile(
    path.join(bin, 'systemctl'),
    opts.systemctlFails
      ? '#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n'
      : '#!/bin/sh\necho "$@" >> "$FAKE_SYSTEMCTL_LOG"\n',
    { mode: 0o755 },
  );
  return { env: { PATH: `${bin}:${process.env.PATH}`, FAKE_CRONTAB: crontab, FAKE_SYSTEMCTL_LOG: calls }, crontab, calls };
}

describe('schedules', () => {
  it('two configs with spaces and quotes in their paths, side by side: two lines, two timers, listed and removed', async () => {
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-sched-'));
    const fake = await fakeScheduler(base);
    const xdg = path.join(base, 'xdg');
    const configs = [path.join(base, 'my photos', 'config.ini'), path.join(base, "bob's music", 'config.ini')];
    const env = { ...fake.env, XDG_CONFIG_HOME: xdg, QJOURNAL_CREDENTIALS: undefined, QINIU_ACCESS_KEY: undefined, QINIU_SECRET_KEY: undefined };
    for (const config of configs) {
      await fsp.mkdir(path.dirname(config), { recursive: true });
      await fsp.writeFile(config, `[bucket]\nname = ${emu.bucket}\ndomain = ${emu.domain}\n[local]\nroot = ./backup\n[credentials]\nprofile = ${path.basename(path.dirname(config)).replace(/\W/g, '')}\n[endpoints]\nrs = ${emu.url}\n`);
    }
    // Without stored keys, --install refuses (the job would fail at its first run) and installs nothing.
    const noKeys = await runCli(['schedule', '--install', '--config', configs[0]], { env: { ...env, QINIU_ACCESS_KEY: 'AK' } });
    expect(noKeys.code).toBe(3);
    expect(noKeys.stderr).toContain('QINIU_ACCESS_KEY in this shell does not reach a scheduled job');
    await expect(fsp.stat(fake.crontab)).rejects.toThrow();

    for (const config of configs) {
      const stored = await runCli(['keys', 'set', '--stdin', '--config', config], { env, input: `${emu.accessKey}\n${emu.secretKey}\npass word\n` });
      expect(stored.code, stored.stderr).toBe(0);
      const wrong = await runCli(['schedule', '--install', '--config', config], { env: { ...env, QJOURNAL_PASSPHRASE: 'nope' } });
      expect(wrong.code).toBe(3);
      const cron = await runCli(['-c', config, 'schedule', '--when', 'daily 02:30', '--install'], { env: { ...env, QJOURNAL_PASSPHRASE: 'pass word' } });
      expect(cron.code, cron.stderr).toBe(0);
      const timer = await runCli(['schedule', '--systemd', '--when', '0 4 * * 1-5', '--install', '--config', config], { env: { ...env, QJOURNAL_PASSPHRASE: 'pass word' } });
      expect(timer.code, timer.stderr).toBe(0);
    }
    const names = configs.map(scheduleName);
    expect(names[0]).not.toBe(names[1]);
    const lines = (await fsp.readFile(fake.crontab, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    configs.forEach((config, i) => {
      const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      const pass = path.join(xdg, 'qjournal', `${names[i]}.passphrase`);
      const creds = path.join(xdg, 'qjournal', `credentials-${i === 0 ? 'myphotos' : 'bobsmusic'}.json`);
      expect(lines[i]).toBe(
        `30 2 * * * cd ${q(path.dirname(config))} && QJOURNAL_CREDENTIALS=${q(creds)} QJOURNAL_PASSPHRASE_FILE=${q(pass)} ` +
          `${q(process.execPath)} ${q(CLI)} sync --config ${q(config)} >> ${q(path.join(path.dirname(config), `${names[i]}.log`))} 2>&1 # ${names[i]}`,
      );
    });
    for (const [i, name] of names.entries()) {
      const service = await fsp.readFile(path.join(xdg, 'systemd', 'user', `${name}.service`), 'utf8');
      expect(service).toContain(`\nExecStart="${process.execPath}" "${CLI}" "sync" "--config" "${configs[i]}"\n`);
      expect(await fsp.readFile(path.join(xdg, 'systemd', 'user', `${name}.timer`), 'utf8')).toContain('\nOnCalendar=Mon..Fri *-*-* 4:0:00\n');
      const pass = path.join(xdg, 'qjournal', `${name}.passphrase`);
      expect((await fsp.stat(pass)).mode & 0o777).toBe(0o600);
    }
    expect(await fsp.readFile(fake.calls, 'utf8')).toBe(
      names.map((n) => `--user daemon-reload\n--user enable --now ${n}.timer\n`).join(''),
    );

    // The job as cron would run it finds its credentials with none in its environment.
    const job = lines[0].slice('30 2 * * * '.length).replace(/ # .*$/, '');
    // Not spawnSync: the emulator serves from this process.
    const ran = spawn('sh', ['-c', job], { env: { PATH: process.env.PATH! }, stdio: 'ignore' });
    expect(await new Promise((resolve) => ran.on('close', resolve))).toBe(0);
    const log = await fsp.readFile(path.join(path.dirname(configs[0]), `${names[0]}.log`), 'utf8');
    expect(log).toMatch(/\[INFO\] Done: /);

    const listed = await runCli(['schedule', '--list'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n').filter((l) => l.startsWith('crontab '))).toHaveLength(2);
    expect(listed.stdout).toContain(`systemd  ${names[1]}  Mon..Fri *-*-* 4:0:00  ${configs[1]}`);

    const removed = await runCli(['schedule', '--remove', '--config', configs[0]], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect((await fsp.readFile(fake.crontab, 'utf8')).trimEnd().split('\n')).toEqual([lines[1]]);
    expect(await fsp.readdir(path.join(xdg, 'systemd', 'user'))).toEqual([`${names[1]}.service`, `${names[1]}.timer`].sort());
    expect((await runCli(['schedule', '--remove', '--config', configs[0]], { env })).code).toBe(8);
  });

  it('--install fails loudly when systemd cannot be reached', async () => {
    const ws = await makeWorkspace(emu);
    const fake = await fakeScheduler(ws.dir, { systemctlFails: true });
    const env = { ...fake.env, QJOURNAL_PASSPHRASE: 'pw' };
    expect((await runCli(['keys', 'set', '--stdin'], { env: { ...ws.env, ...env }, input: '' })).code).toBe(0);
    const out = await runCli(['schedule', '--systemd', '--install', '--config', ws.configPath], { env: { ...ws.env, ...env } });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('systemctl --user daemon-reload failed (Failed to connect to bus: No medium found)');
  });

  it('refuses a bad --when with exit 2', async () => {
    const ws = await makeWorkspace(emu);
    const out = await ws.run('schedule', '--when', 'hourly');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--when must be daily [HH:MM], weekly');
  });
});

describe('config errors name the key and exit 3', () => {
  it.each([
    ['a typo in a key', (t: string) => t.replace('name = ', 'nmae = '), ['[bucket] nmae: unknown key, ignored (did you mean "name"?)', '[bucket] name: missing']],
    ['a typo in a section', (t: string) => t.replace('[bucket]', '[bukcet]'), ['[bukcet] unknown section, ignored (did you mean [bucket]?)', '[bucket] name: missing']],
  ])('%s: the hint comes with the error', async (_what, edit, messages) => {
    const ws = await makeWorkspace(emu);
    await fsp.writeFile(ws.configPath, edit(await fsp.readFile(ws.configPath, 'utf8')));
    const out = await ws.run('status');
    expect(out.code).toBe(3);
    const lines = out.stderr.trimEnd().split('\n');
    messages.forEach((m, i) => expect(lines[i]).toContain(m));
  });

  it('root is a file', async () => {
    const ws = await makeWorkspace(emu);
    await fsp.writeFile(ws.root, 'not a folder');
    for (const command of ['status', 'sync']) {
      const out = await ws.run(command);
      expect(out.code).toBe(3);
      expect(out.stderr).toBe(`qjournal: ${ws.configPath}: [local] root: ${ws.root} is a file, not a folder\n`);
    }
  });

  it('root is read-only (checked without the capabilities that let root write anywhere)', async () => {
    const ws = await makeWorkspace(emu);
    await fsp.mkdir(ws.root, { mode: 0o555 });
    const child = spawn('setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, CLI, 'sync', '--config', ws.configPath], {
      env: { ...process.env, ...ws.env },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code).toBe(3);
    expect(stderr).toBe(`qjournal: ${ws.configPath}: [local] root: ${ws.root} is not writable: permission denied\n`);
  });

  it('a missing root with a journal that remembers files is refused (is the disk mounted?)', async () => {
    emu.seed({ 'a.txt': 'a' });
    const ws = await makeWorkspace(emu, { journal: { path: './state/journal.db' } });
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.rm(ws.root, { recursive: true });
    const out = await ws.run('sync');
    expect(out.code).toBe(3);
    expect(out.stderr).toContain(`[local] root: ${ws.root} does not exist, but the journal`);
    expect(out.stderr).toContain('is the disk mounted?');
    await expect(fsp.stat(ws.root)).rejects.toThrow();
    // A root that was never synced is simply created.
    const fresh = await makeWorkspace(emu, { journal: { path: './state/journal.db' } });
    expect((await fresh.run('sync')).code).toBe(0);
    expect(await readTree(fresh.root)).toEqual({ 'a.txt': 'a' });
  });
});

describe('CLI conventions', () => {
  it('global options work before and after the command', async () => {
    emu.seed({ 'a.txt': 'a' });
    const ws = await makeWorkspace(emu);
    const run = (...args: string[]) => runCli(args, { env: ws.env, cwd: os.tmpdir() });
    const before = await run('--config', ws.configPath, '-v', 'status', '--json');
    const after = await run('status', '--json', '-v', '--config', ws.configPath);
    expect(before.code, before.stderr).toBe(0);
    expect(after.code).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual(JSON.parse(after.stdout));
    expect(before.stderr).toMatch(/\[DEBUG\]/);
    expect(after.stderr).toMatch(/\[DEBUG\]/);
    const quiet = await run('-q', 'sync', '-c', ws.configPath);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const level = await run('sync', '--log-level', 'warn', '-c', ws.configPath);
    expect(level.code).toBe(0);
    expect(level.stderr).not.toMatch(/\[INFO\]/);
  });

  it.each([
    [['bogus']],
    [['sync', '--bogus']],
    [['sync', '--direction', 'sideways']],
    [['-v', '-q', 'status']],
    [['--log-level', 'loud', 'status']],
    [['log', '--limit', 'x']],
    [['restore']],
    [[]],
  ])('usage errors exit 2: %j', async (args) => {
    const ws = await makeWorkspace(emu);
    const out = await runCli([...args, '--config', ws.configPath], { env: ws.env });
    expect(out.code).toBe(2);
  });

  it('--json on a failing command prints the error as a JSON object on stdout', async () => {
    const ws = await makeWorkspace(emu, { sync: { direction: 'sideways' } });
    const out = await ws.run('sync', '--json');
    expect(out.code).toBe(3);
    expect(JSON.parse(out.stdout)).toEqual({
      error: {
        exitCode: 3,
        kind: 'config',
        message: `${ws.configPath}: [sync] direction: must be one of down, up, both (got "sideways")`,
        problems: [{ file: ws.configPath, section: 'sync', key: 'direction', message: 'must be one of down, up, both (got "sideways")' }],
      },
    });
    const usage = await runCli(['--json', 'sync', '--bogus']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { exitCode: 2, kind: 'usage', message: "unknown option '--bogus'" } });
    const notFound = await ws.run('restore', 'x.txt', '--json');
    expect(JSON.parse(notFound.stdout).error.kind).toBe('config');
  });

  it('--help has examples, the environment variables and the exit codes; completion scripts come from the CLI', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const text of ['Examples:', 'QJOURNAL_CREDENTIALS', 'QJOURNAL_DEBUG', 'QJOURNAL_RETRY_ATTEMPTS', 'Exit codes:', '8 not found']) {
      expect(help.stdout).toContain(text);
    }
    const bash = await runCli(['complete', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -F');
    const suggestions = await runCli(['complete', '--', 'sy']);
    expect(suggestions.stdout).toMatch(/^sync\t/m);
  });
});

describe('keys set', () => {
  it('--stdin reads the answers, checks each, and stores them for the config\'s profile', async () => {
    emu.seed({ 'a.txt': 'a' });
    const ws = await makeWorkspace(emu, { credentials: { profile: 'work' } });
    const env = { ...ws.env, QINIU_ACCESS_KEY: undefined, QINIU_SECRET_KEY: undefined, QJOURNAL_CREDENTIALS: undefined };
    const empty = await runCli(['keys', 'set', '--stdin', '-c', ws.configPath], { env, input: `${emu.accessKey}\n\nsecret pass\n` });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the secret key must not be empty (read from standard input)');
    const spaced = await runCli(['keys', 'set', '--stdin', '-c', ws.configPath], { env, input: 'A K\n' });
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toContain('the access key must be printable characters without spaces');

    const set = await runCli(['keys', 'set', '--stdin', '-c', ws.configPath], { env, input: `${emu.accessKey}\n${emu.secretKey}\nsecret pass\n` });
    expect(set.code, set.stderr).toBe(0);
    const file = path.join(ws.env.XDG_CONFIG_HOME, 'qjournal', 'credentials-work.json');
    expect(set.stdout).toBe(`Saved encrypted credentials to ${file}\n`);
    expect(await fsp.readFile(file, 'utf8')).not.toContain(emu.secretKey);

    // The config's profile is what sync reads; the environment still wins over it.
    const sync = await runCli(['sync', '-c', ws.configPath], { env: { ...env, QJOURNAL_PASSPHRASE: 'secret pass' } });
    expect(sync.code, sync.stderr).toBe(0);
    const wrongKeys = await runCli(['status', '-c', ws.configPath], { env: { ...env, QINIU_ACCESS_KEY: 'wrong', QINIU_SECRET_KEY: 'wrong' } });
    expect(wrongKeys.code).toBe(4);
    const noPass = await runCli(['status', '-c', ws.configPath], { env });
    expect(noPass.code).toBe(3);
    expect(noPass.stderr).toContain('credentials-work.json is encrypted and there is no terminal');
  });
});

describe('qjournal emulator --seed', () => {
  it("serves a folder's files as objects", async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-seed-'));
    await localTree(path.join(dir, 'files'), { 'a.txt': 'alpha', 'photos/b.jpg': 'jpeg' });
    const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--seed', path.join(dir, 'files'), '--access-key', 'AK', '--secret-key', 'SK'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          if (stdout.includes('Press Ctrl+C')) resolve();
        });
        child.on('close', (code) => reject(new Error(`emulator exited ${code}`)));
      });
      expect(stdout).toContain(`Seeded 2 objects from ${path.join(dir, 'files')}\n`);
      const snippet = stdout.slice(stdout.indexOf('config.ini snippet:\n') + 20, stdout.indexOf('Press Ctrl+C'));
      await fsp.writeFile(path.join(dir, 'config.ini'), `${snippet}\n[local]\nroot = ./backup\n`);
      const sync = await runCli(['sync', '-c', path.join(dir, 'config.ini')], { env: { QINIU_ACCESS_KEY: 'AK', QINIU_SECRET_KEY: 'SK', QJOURNAL_CREDENTIALS: path.join(dir, 'none') } });
      expect(sync.code, sync.stderr).toBe(0);
      expect(await readTree(path.join(dir, 'backup'))).toEqual({ 'a.txt': 'alpha', 'photos/b.jpg': 'jpeg' });
    } finally {
      child.kill('SIGTERM');
    }
    const help = await runCli(['emulator', '--help']);
    expect(help.stdout).toContain('POST   /_emulator/seed');
    expect((await runCli(['emulator', '--seed', path.join(dir, 'nope'), '--port', '0'])).code).toBe(2);
  });
});
