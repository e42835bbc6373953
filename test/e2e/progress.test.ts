import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { CLI, makeWorkspace, readTree } from '../helpers/workspace.js';

// Issue #3/#5: on a terminal, byte-level bars for the total and for each file; log lines stay whole above them.
const emu = useEmulator();
// A run that hangs would outlive the test: kill the whole `script` process group.
const running = new Set<number>();
afterEach(() => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
});

/** Run the CLI with a pseudo-terminal as stdout/stderr (util-linux `script`), returning everything it drew. */
function runOnTty(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // A wide terminal, so every field of the bars fits.
  const command = `stty cols 160 rows 40; ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    running.add(child.pid!);
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    child.stderr.on('data', (d) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child.pid!);
      resolve({ code: code ?? -1, screen });
    });
    child.stdin.end();
  });
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');

describe('progress on a TTY', () => {
  it('draws a total bar and a bar per file, and keeps every log line whole', async () => {
    emu.reset();
    emu.seed({ 'big/a.bin': Buffer.alloc(3 << 20, 1), 'big/b.bin': Buffer.alloc(3 << 20, 2), 'small.txt': 'x' });
    emu.addFault({ route: 'download', throttleBytesPerSec: 4 << 20 });
    const ws = await makeWorkspace(emu, { sync: { concurrency: '4' } });
    const { code, screen } = await runOnTty(['sync', '--config', ws.configPath], ws.env, ws.dir);
    const text = stripAnsi(screen);
    expect(code, text).toBe(0);
    expect(Object.keys(await readTree(ws.root)).sort()).toEqual(['big/a.bin', 'big/b.bin', 'small.txt']);
    // Bars: the total (bytes, files) and each big file, seen moving: byte-level, not one jump per file.
    expect(text).toMatch(/^total +\S+ +([1-9]|[1-9]\d)% \| [\d.]+ [KM]iB\/6\.0 MiB \| [0-3]\/3 files \|/m);
    expect(text).toMatch(/^big\/a\.bin +\S+ +([1-9]|[1-9]\d)% \| [\d.]+ [KM]iB\/3\.0 MiB \| /m);
    expect(text).toMatch(/^big\/b\.bin +\S+ +([1-9]|[1-9]\d)% \| /m);
    // Log lines are printed above the bars, each one whole on its own line.
    for (const key of ['big/a.bin', 'big/b.bin', 'small.txt']) {
      expect(text).toMatch(new RegExp(`^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\[INFO\\] Getting ${key.replace('.', '\\.')}$`, 'm'));
    }
    expect(text).toMatch(/^\d{4}\/\d\d\/\d\d \S+ \[INFO\] Done: 3 downloaded/m);
  });

  it('draws no bars when stderr is not a terminal', async () => {
    emu.reset();
    emu.seed({ 'a.bin': Buffer.alloc(1 << 20, 1) });
    const ws = await makeWorkspace(emu);
    const run = await ws.run('sync');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/total|%|\x1b/);
  });
});
