import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { openBrowser, startUi } from '../helpers/dashboard.js';
import { makeWorkspace, readTree } from '../helpers/workspace.js';

// Issue #16: the dashboard in real headless Chromium against the built CLI's `qjournal ui` and the emulator.
const emu = useEmulator();

const BUCKET = {
  'readme.txt': 'hello',
  'photos/2024/beach.jpg': 'j'.repeat(300_000),
  'photos/2024/dunes.jpg': 'd'.repeat(250_000),
  'docs/年度报告.txt': '中文内容',
};

describe('dashboard: overview and Sync now', () => {
  it('shows the bucket as never backed up; Sync now lists the plan, Apply shows progress and the outcome; the files are on disk', async () => {
    emu.seed(BUCKET);
    // A slow link, so that the progress can be seen moving.
    const ws = await makeWorkspace(emu, { sync: { direction: 'down', bwlimit: '400k' } });
    const ui = await startUi([ws.configPath], { env: ws.env, cwd: ws.dir });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(ui.url);
      const card = page.getByTestId('backup-card');
      await expect.poll(() => card.getByTestId('bucket').textContent()).toBe(emu.bucket);
      expect(await card.getByTestId('last-backup').textContent()).toContain('never backed up');
      await expect.poll(() => card.getByTestId('drift').textContent(), { timeout: 10_000 }).toContain('4 new in the bucket');
      // The token left the address bar once it was exchanged for the cookie.
      expect(page.url()).not.toContain('token=');
      if (process.env.QJOURNAL_SCREENSHOT) await page.screenshot({ path: process.env.QJOURNAL_SCREENSHOT });

      await card.getByRole('link', { name: 'Sync now' }).click();
      const items = page.getByTestId('plan-items');
      await expect.poll(() => items.textContent(), { timeout: 10_000 }).toContain('photos/2024/beach.jpg');
      const planText = (await items.textContent()) ?? '';
      for (const key of Object.keys(BUCKET)) expect(planText).toContain(key);
      expect(await page.getByTestId('plan-summary').textContent()).toContain('4 × download it');

      await page.getByTestId('apply').click();
      const bar = page.getByTestId('job-progress');
      // Progress moves: some bytes done, not all, before the end.
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-testid="job-progress"]');
        const done = Number(el?.getAttribute('data-done'));
        const total = Number(el?.getAttribute('data-total'));
        return total > 0 && done > 0 && done < total;
      }, undefined, { timeout: 10_000 });
      await expect.poll(() => page.getByTestId('job-outcome').textContent(), { timeout: 20_000 }).toContain('everything is backed up');
      expect(await bar.getAttribute('data-done')).toBe(String(Object.values(BUCKET).reduce((n, v) => n + Buffer.byteLength(v), 0)));
      expect(await page.getByTestId('job').textContent()).toContain('Getting photos/2024/beach.jpg');

      expect(await readTree(ws.root)).toEqual(BUCKET);
      await page.getByRole('link', { name: 'qjournal' }).click();
      await expect.poll(() => page.getByTestId('last-backup').textContent()).toContain('finished fine');
      await expect.poll(() => page.getByTestId('drift').textContent()).toContain('nothing changed');

      // History: the run from the journal, with its counts.
      await page.getByRole('link', { name: 'History' }).click();
      await expect.poll(() => page.getByTestId('runs').textContent()).toContain('backup · finished fine');
      expect(await page.getByTestId('runs').textContent()).toContain('4 downloaded (537.1 KiB)');
    } finally {
      await browser.close();
      await ui.close();
    }
  });
});
