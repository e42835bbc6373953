import { execFile, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Issue #17: README's commands, run in order in a fresh folder, succeed. The clone is already installed and built (as
// `npm test` does), so the Install block's `npm install -g .` runs into a prefix of this test's own; the "by hand" block
// then runs as written, in one bash, with `qjournal` found on PATH. Only the port is changed, to a free one.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('README', () => {
  it("its install command and its commands by hand work from a fresh folder", async () => {
    const readme = await fsp.readFile(path.join(repo, 'README.md'), 'utf8');
    const install = /## Install\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(install).toMatch(/^npm install -g \.\s/m);
    const block = /<!-- readme-commands -->\n```sh\n([\s\S]*?)```\n<!-- \/readme-commands -->/.exec(readme)![1];

    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-readme-'));
    const prefix = path.join(dir, 'prefix');
    const env: Record<string, string> = {
      PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      npm_config_prefix: prefix,
      npm_config_cache: path.join(dir, 'npm-cache'),
      npm_config_update_notifier: 'false',
    };
    // `npm install -g .` in the clone: a link into the prefix, no registry needed.
    await promisify(execFile)('npm', ['install', '-g', '.', '--offline', '--no-audit', '--no-fund'], { cwd: repo, env: { ...process.env, ...env } });

    const port = String(await freePort());
    const script = `set -e\n${block.replaceAll('9000', port)}`;
    const child = spawn('bash', ['-c', script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('Seeded 1 objects from ./photos');
    expect(stdout).toMatch(/^local-deleted +hello\.txt/m);
    expect(stdout).toContain('Restored hello.txt to ');
    expect(stdout).toMatch(/^#2 .* restore - ok/m);
    expect(await fsp.readFile(path.join(dir, 'qjournal-try', 'backup', 'hello.txt'), 'utf8')).toBe('hello\n');
    await fsp.rm(dir, { recursive: true, force: true });
  }, 120_000);
});
