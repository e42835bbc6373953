import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openBrowser } from '../helpers/dashboard.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = path.join(repo, 'docs', 'dashboard-overview.png');

// README's quick start: `npm run demo -- --ui` opens the dashboard on the demo bucket. This test also takes the
// README's screenshot (written to docs/ with QJOURNAL_UPDATE_SCREENSHOT=1), and checks phone width and the keyboard.
describe('npm run demo -- --ui', () => {
  it('serves the dashboard on the demo bucket; it fits a phone and works from the keyboard', async () => {
    await fsp.rm(path.join(repo, 'demo-ui'), { recursive: true, force: true });
    const child = spawn(process.execPath, [path.join(repo, 'scripts/demo.mjs'), '--ui', '--no-open'], {
      cwd: repo,
      // Its own process group: Ctrl+C reaches the demo and its `qjournal ui` child alike.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, QJOURNAL_DEMO_DIR: 'demo-ui' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /^(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/m.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.once('close', (code) => reject(new Error(`demo exited ${code}: ${stderr}`)));
    });
    const browser = await openBrowser({ width: 1000, height: 560 });
    try {
      const { page } = browser;
      await page.goto(url);
      await expect.poll(() => page.getByTestId('drift').textContent(), { timeout: 15_000 }).toContain('nothing changed');
      expect(await page.getByTestId('bucket').textContent()).toBe('demo');
      expect(await page.getByTestId('last-backup').textContent()).toContain('finished fine');
      const shot = await page.screenshot();
      expect(shot.subarray(1, 4).toString()).toBe('PNG');
      if (process.env.QJOURNAL_UPDATE_SCREENSHOT) {
        await fsp.mkdir(path.dirname(SCREENSHOT), { recursive: true });
        await fsp.writeFile(SCREENSHOT, shot);
      }

      // Phone width: nothing sticks out sideways.
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

      // Keyboard: Tab to "Sync now", Enter opens the plan.
      let focused = '';
      for (let i = 0; i < 20 && focused !== 'Sync now'; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      }
      expect(focused).toBe('Sync now');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('plan-summary').textContent(), { timeout: 15_000 }).toContain('Nothing to do');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    } finally {
      await browser.close();
      process.kill(-child.pid!, 'SIGINT');
      await new Promise((resolve) => child.once('close', resolve));
      await fsp.rm(path.join(repo, 'demo-ui'), { recursive: true, force: true });
    }
  });
});
