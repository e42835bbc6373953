import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../../src/emulator/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(repo, 'dist/cli/qjournal.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a child process (what users and cron run). */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, QJOURNAL_RETRY_BASE_MS: '20', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export interface Workspace {
  dir: string;
  root: string;
  configPath: string;
  env: Record<string, string>;
  /** `qjournal <command> --config <this workspace's config>` */
  run(command: string, ...args: string[]): Promise<CliResult>;
  writeConfig(extra?: Record<string, Record<string, string>>): Promise<void>;
}

/** A temp folder with a config.ini pointing at the emulator, a backup root and credentials in the environment. */
export async function makeWorkspace(emu: Emulator, sections: Record<string, Record<string, string>> = {}): Promise<Workspace> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-e2e-'));
  const root = path.join(dir, 'backup');
  const configPath = path.join(dir, 'config.ini');
  const env = {
    QINIU_ACCESS_KEY: emu.accessKey,
    QINIU_SECRET_KEY: emu.secretKey,
    QJOURNAL_CREDENTIALS: path.join(dir, 'no-credentials.json'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  };
  const ws: Workspace = {
    dir,
    root,
    configPath,
    env,
    run: (command, ...args) => runCli([command, '--config', configPath, ...args], { env, cwd: dir }),
    async writeConfig(extra = {}) {
      const merged: Record<string, Record<string, string>> = {
        bucket: { name: emu.bucket, domain: emu.domain, private: 'false' },
        local: { root: './backup' },
        sync: { direction: 'down' },
        log: { level: 'info' },
        endpoints: { rs: emu.url, rsf: emu.url, up: emu.url, api: emu.url, uc: emu.url },
      };
      for (const [section, values] of Object.entries({ ...sections, ...extra })) merged[section] = { ...merged[section], ...values };
      const text = Object.entries(merged)
        .map(([section, values]) => `[${section}]\n${Object.entries(values).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`)
        .join('\n');
      await fsp.writeFile(configPath, text);
    },
  };
  await ws.writeConfig();
  return ws;
}

/** Create files from literals: `localTree(root, {'a.txt': 'hello', 'dir/b.txt': 'x'})`. */
export async function localTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    await fsp.writeFile(abs, content);
  }
}

/** Every regular file below `dir` (relative `/` paths → content), skipping the tool's `.qjournal/` folder. */
export async function readTree(dir: string, opts: { includeState?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (!opts.includeState && child === '.qjournal') continue;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out[child] = await fsp.readFile(path.join(dir, child), 'utf8');
    }
  };
  await walk('');
  return out;
}

/** Sum of an emulator counter over several route names. */
export function requestsOf(emu: Emulator, ...routes: string[]): number {
  const counters = emu.counters();
  return routes.reduce((n, r) => n + (counters.requests[r] ?? 0), 0);
}

/** Every route that receives upload bytes. */
export const UPLOAD_ROUTES = ['form-upload', 'mkblk', 'bput', 'mkfile', 'v2-init', 'v2-part', 'v2-complete'];

/** The bucket as key → content (UTF-8). */
export function bucketContents(emu: Emulator): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of emu.objects().keys()) out[key] = emu.getObject(key)!.toString('utf8');
  return out;
}
