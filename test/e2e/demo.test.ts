import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// README's one-command demo: `npm run demo` (after the build that `npm test` does too).
describe('npm run demo', () => {
  it('backs up the sample bucket, shows status and history, and exits 0', async () => {
    const child = spawn(process.execPath, [path.join(repo, 'scripts/demo.mjs')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/remote-modified readme\.txt/);
    expect(stdout).toMatch(/^#3 .* sync down ok/m);
    expect(stderr).toMatch(/\[INFO\] Getting docs\/q\?&#\+ odd name\.txt$/m);
    const backup = path.join(repo, 'demo/backup');
    expect(await fsp.readFile(path.join(backup, 'readme.txt'), 'utf8')).toBe('The bucket changed after the first backup.\n');
    expect((await fsp.stat(path.join(backup, 'big/video.bin'))).size).toBe(12 << 20);
  });
});
