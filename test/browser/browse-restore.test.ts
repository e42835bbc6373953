import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { openBrowser, startUi } from '../helpers/dashboard.js';
import { makeWorkspace, readTree } from '../helpers/workspace.js';

// Issue #16: Browse and Restore in real Chromium, asserted on disk.
const emu = useEmulator();

const BUCKET = { 'readme.txt': 'hello', 'photos/a.jpg': 'aaaa', 'photos/b.jpg': 'bbbbbb', 'photos/old/c.jpg': 'c' };

describe('dashboard: browse and restore', () => {
  it('restores a file deleted locally into place, and a folder into a new folder', async () => {
    emu.seed(BUCKET);
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    await fsp.rm(path.join(ws.root, 'photos', 'a.jpg'));
    const ui = await startUi([ws.configPath], { env: ws.env, cwd: ws.dir });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(ui.url);
      await page.getByRole('link', { name: 'Browse and restore' }).click();
      await page.getByRole('link', { name: /photos\// }).click();
      const row = page.locator('tr[data-state="local-deleted"]');
      await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('a.jpg');
      expect(await row.textContent()).toContain('missing on this computer');

      await page.getByRole('button', { name: 'Restore a.jpg' }).click();
      await page.getByTestId('restore-form').getByRole('button', { name: 'Restore', exact: true }).click();
      await expect.poll(() => page.getByTestId('job-outcome').textContent(), { timeout: 10_000 }).toContain('Restored 1 file(s)');
      expect(await fsp.readFile(path.join(ws.root, 'photos', 'a.jpg'), 'utf8')).toBe('aaaa');
      // The listing is read again after the restore: the file is backed up again.
      await expect.poll(() => page.locator('tr', { hasText: 'a.jpg' }).first().getAttribute('data-state')).toBe('in-sync');

      // The whole folder, as it is now, into a new folder of the user's choice.
      const target = path.join(ws.dir, 'restored photos');
      await page.getByRole('button', { name: 'Restore this folder…' }).click();
      const form = page.getByTestId('restore-form');
      await form.getByLabel('Into a new folder').check();
      await form.getByLabel('Folder (full path)').fill(target);
      await form.getByRole('button', { name: 'Restore', exact: true }).click();
      await expect.poll(() => page.getByTestId('job-outcome').textContent(), { timeout: 10_000 }).toContain('Restored 3 file(s)');
      expect(await readTree(target)).toEqual({ 'a.jpg': 'aaaa', 'b.jpg': 'bbbbbb', 'old/c.jpg': 'c' });
      expect(await readTree(ws.root)).toEqual(BUCKET);
    } finally {
      await browser.close();
      await ui.close();
    }
  });
});
