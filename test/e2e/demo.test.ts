import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// README's one-command demo: `npm run demo` (after the build that `npm test` does too).
describe('npm run demo', () => {
  it('tells its story: backup, a second run that moves nothing, both sides changing, a conflict kept both ways, a restore', async () => {
    const child = spawn(process.execPath, [path.join(repo, 'scripts/demo.mjs')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^1\. The bucket holds 7 files/m);
    expect(stdout).toMatch(/remote-modified readme\.txt/);
    expect(stdout).toMatch(/new-local +notes\/todo\.txt/);
    expect(stderr).toMatch(/\[INFO\] Getting docs\/q\?&#\+ odd name\.txt$/m);
    expect(stderr).toMatch(/\[INFO\] Putting notes\/todo\.txt$/m);
    expect(stderr).toMatch(/\[WARN\] Conflict empty\.txt: both sides changed; local version kept as empty \(conflict [\d-]+ \d{4}\)\.txt$/m);
    expect(stdout).toMatch(/^Restored photos\/2024\/beach\.jpg to /m);
    expect(stdout).toMatch(/^#5 .* restore - ok/m);
    expect(stdout).toContain('To look at it again later:');
    const backup = path.join(repo, 'demo/backup');
    expect(await fsp.readFile(path.join(backup, 'readme.txt'), 'utf8')).toBe('The bucket changed after the first backup.\n');
    expect(await fsp.readFile(path.join(backup, 'empty.txt'), 'utf8')).toBe('written in the bucket\n');
    const copies = (await fsp.readdir(backup)).filter((n) => n.startsWith('empty (conflict '));
    expect(copies).toHaveLength(1);
    expect(await fsp.readFile(path.join(backup, copies[0]), 'utf8')).toBe('written on this disk\n');
    expect((await fsp.stat(path.join(backup, 'photos/2024/beach.jpg'))).size).toBe(300_000);
    expect((await fsp.stat(path.join(backup, 'big/video.bin'))).size).toBe(12 << 20);

    // "How to look at it again": the printed commands work, the emulator restarted on the kept bucket.
    const restart = /^  (node \S+ emulator [^\n]*\\\n[^\n]*?--secret-key \S+)/m.exec(stdout)![1].replace(/\\\n\s*/, '');
    const args = restart.split(/\s+/).slice(2);
    const emu = spawn(process.execPath, [path.join(repo, 'dist/cli/qjournal.js'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        emu.stdout.on('data', (d) => {
          out += d;
          if (out.includes('Press Ctrl+C')) resolve();
        });
        emu.on('close', (c) => reject(new Error(`emulator exited ${c}`)));
      });
      const statusLine = /^  QINIU_ACCESS_KEY=(\S+) QINIU_SECRET_KEY=(\S+) node \S+ (status --config .*)$/m.exec(stdout)!;
      const status = spawn(process.execPath, [path.join(repo, 'dist/cli/qjournal.js'), ...statusLine[3].split(' ')], {
        cwd: repo,
        env: { ...process.env, QINIU_ACCESS_KEY: statusLine[1], QINIU_SECRET_KEY: statusLine[2] },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      status.stdout.on('data', (d) => (out += d));
      expect(await new Promise((resolve) => status.on('close', resolve))).toBe(0);
      expect(out).toMatch(/^\d+ in-sync$/m);
    } finally {
      emu.kill('SIGTERM');
    }
  });
});
