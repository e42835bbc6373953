import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CLI } from './workspace.js';

export interface RunningUi {
  /** The first stdout line: the URL with the one-time token. */
  url: string;
  origin: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  close(): Promise<void>;
}

/** `qjournal ui --no-open --port 0` of the built CLI as a child process, for these config files. */
export async function startUi(configs: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<RunningUi> {
  const child = spawn(process.execPath, [CLI, 'ui', '--no-open', '--port', '0', ...configs.flatMap((c) => ['--config', c])], {
    cwd: opts.cwd,
    env: { ...process.env, QJOURNAL_RETRY_BASE_MS: '20', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        child.stdout!.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`qjournal ui exited with ${code}: ${stderr}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    child,
    stderr: () => stderr,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

export const CHROMIUM = process.env.QJOURNAL_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's headless Chromium through playwright-core, with a fresh profile that it removes on close. */
export async function openBrowser(viewport = { width: 1100, height: 800 }): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await fsp.rm(profile, { recursive: true, force: true });
    },
  };
}
