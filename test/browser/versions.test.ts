import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { openBrowser, startUi } from '../helpers/dashboard.js';
import { makeWorkspace, readTree } from '../helpers/workspace.js';

// Issue #16 with the versions work (#12): a file's versions, and a folder restored as it was at an earlier time.
const emu = useEmulator();

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pad = (n: number) => String(n).padStart(2, '0');
/** Local time as the CLI's <time> reads it: `2026-03-01 12:00:30`. */
const localStamp = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

describe('dashboard: versions', () => {
  it('lists a file’s versions, puts an old one back, and restores a folder as of an earlier time into a new folder', async () => {
    emu.seed({ 'readme.txt': 'r', 'photos/a.jpg': 'old a', 'photos/b.jpg': 'b' });
    const ws = await makeWorkspace(emu);
    expect((await ws.run('sync')).code).toBe(0);
    await pause(1100);
    const before = localStamp(new Date());
    await pause(1100);
    emu.seed({ 'photos/a.jpg': 'new a, overwritten in the bucket', 'photos/c.jpg': 'c, added later' });
    const second = await ws.run('sync');
    expect(second.code, second.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'photos', 'a.jpg'), 'utf8')).toBe('new a, overwritten in the bucket');

    const ui = await startUi([ws.configPath], { env: ws.env, cwd: ws.dir });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(ui.url);
      await expect.poll(() => page.getByTestId('versions-kept').textContent()).toContain('1: 5 B on this disk');
      await page.getByRole('link', { name: 'Browse and restore' }).click();
      await page.getByRole('link', { name: /photos\// }).click();

      // The folder as it was before the overwrite: old a.jpg, b.jpg, and no c.jpg.
      const target = path.join(ws.dir, 'as it was');
      await page.getByRole('button', { name: 'Restore this folder as it was at a time…' }).click();
      const form = page.getByTestId('restore-at-form');
      await form.getByLabel('When').fill(before);
      await form.getByLabel('Into the folder').fill(target);
      await form.getByRole('button', { name: 'Restore', exact: true }).click();
      await expect.poll(() => page.getByTestId('job-outcome').textContent(), { timeout: 10_000 }).toContain('Restored 2 file(s) as they were');
      // Laid out as in the backup folder, like `restore --at T --prefix photos/ --to DIR`.
      expect(await readTree(target)).toEqual({ 'photos/a.jpg': 'old a', 'photos/b.jpg': 'b' });

      // A bad time gets the CLI's message, and starts nothing.
      await page.getByRole('button', { name: 'Restore this folder as it was at a time…' }).click();
      await form.getByLabel('When').fill('last tuesday');
      await form.getByLabel('Into the folder').fill(path.join(ws.dir, 'never'));
      await form.getByRole('button', { name: 'Restore', exact: true }).click();
      await expect.poll(() => form.getByRole('alert').textContent()).toContain('cannot read the time "last tuesday"');
      await form.getByRole('button', { name: 'Cancel' }).click();

      // The file's versions, newest first; the old one put back in place.
      await page.getByRole('button', { name: 'Versions of a.jpg' }).click();
      const versions = page.getByTestId('versions');
      await expect.poll(() => versions.locator('tbody tr').count()).toBe(2);
      expect(await versions.locator('tr[data-version="0"]').textContent()).toContain('now (current)');
      expect(await versions.locator('tr[data-version="1"]').textContent()).toContain('replaced in the bucket');
      await versions.locator('tr[data-version="1"]').getByRole('button', { name: /^Put back/ }).click();
      await expect.poll(() => page.getByTestId('job-outcome').textContent(), { timeout: 10_000 }).toContain('Restored that version of photos/a.jpg');
      expect(await fsp.readFile(path.join(ws.root, 'photos', 'a.jpg'), 'utf8')).toBe('old a');
      expect(await fsp.stat(path.join(ws.dir, 'never')).catch(() => null)).toBeNull();
    } finally {
      await browser.close();
      await ui.close();
    }
  });
});
