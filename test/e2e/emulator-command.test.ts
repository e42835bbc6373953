import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, localTree, readTree, runCli } from '../helpers/workspace.js';

// Issue #2: `qjournal emulator` as a user starts it — a child process that prints its endpoints and a config snippet.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  stdout: string;
  snippet: string;
  exited: Promise<number>;
}

async function startEmulatorCli(...args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Press Ctrl+C')) resolve();
    });
    void exited.then((code) => reject(new Error(`emulator exited ${code}: ${stdout}`)));
  });
  const snippet = stdout.slice(stdout.indexOf('config.ini snippet:\n') + 'config.ini snippet:\n'.length, stdout.indexOf('Press Ctrl+C'));
  return { child, stdout, snippet, exited };
}

describe('qjournal emulator', () => {
  it('prints a working config snippet, and with --data keeps the bucket across a restart', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-emu-cli-'));
    const creds = ['--access-key', 'AK-demo', '--secret-key', 'SK-demo'];
    const env = { QINIU_ACCESS_KEY: 'AK-demo', QINIU_SECRET_KEY: 'SK-demo', QJOURNAL_CREDENTIALS: path.join(dir, 'none.json') };
    const configPath = path.join(dir, 'config.ini');
    const useSnippet = (snippet: string) => fsp.writeFile(configPath, `${snippet}\n[local]\nroot = ./backup\n\n[sync]\ndirection = both\n`);
    const run = (...args: string[]) => runCli([args[0], '--config', configPath, ...args.slice(1)], { env, cwd: dir });

    const first = await startEmulatorCli('--data', path.join(dir, 'data'), '--bucket', 'photos', ...creds);
    expect(first.stdout).toMatch(/^Kodo emulator listening on http:\/\/127\.0\.0\.1:\d+ \(bucket "photos", data in /);
    expect(first.snippet).toMatch(/^\[bucket\]\nname = photos\n/);
    await useSnippet(first.snippet);
    await localTree(path.join(dir, 'backup'), { 'a.txt': 'alpha', 'album/b.jpg': 'jpeg' });
    const up = await run('sync');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/\[INFO\] Putting album\/b\.jpg$/m);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // A new port: the snippet changes, the bucket does not.
    const second = await startEmulatorCli('--data', path.join(dir, 'data'), '--bucket', 'photos', ...creds);
    await useSnippet(second.snippet);
    const status = await run('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).counts['in-sync']).toBe(2);
    await fsp.rm(path.join(dir, 'backup/album'), { recursive: true });
    const down = await run('sync');
    expect(down.code, down.stderr).toBe(0);
    expect(await readTree(path.join(dir, 'backup'))).toEqual({ 'a.txt': 'alpha', 'album/b.jpg': 'jpeg' });
  });

  it('refuses half a key pair (exit 2)', async () => {
    const r = await runCli(['emulator', '--port', '0', '--access-key', 'AK-only']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/both --access-key and --secret-key/);
  });
});
