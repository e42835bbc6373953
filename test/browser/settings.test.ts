import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { openBrowser, startUi } from '../helpers/dashboard.js';
import { makeWorkspace } from '../helpers/workspace.js';

// Issue #16: Settings is validated by the CLI's parser and written back keeping the file's comments.
const emu = useEmulator();

describe('dashboard: settings', () => {
  it("shows the parser's message for concurrency = 0 and leaves the file alone; a valid change is written, comments kept", async () => {
    const ws = await makeWorkspace(emu);
    const original = `; Backup of the family photos\n${(await fsp.readFile(ws.configPath, 'utf8')).replace('[sync]\n', '[sync]\n# how many at once\nconcurrency = 4 ; was 2 before\n')}`;
    await fsp.writeFile(ws.configPath, original);
    const ui = await startUi([ws.configPath], { env: ws.env, cwd: ws.dir });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(ui.url);
      await page.getByRole('link', { name: 'Settings' }).click();
      const concurrency = page.getByLabel('concurrency');
      await expect.poll(() => concurrency.inputValue()).toBe('4');

      await concurrency.fill('0');
      await page.getByRole('button', { name: 'Save settings' }).click();
      const message = page.getByTestId('settings-message');
      await expect.poll(() => message.textContent()).toContain('Not saved');
      expect(await message.textContent()).toContain('[sync] concurrency: must be a whole number from 1 to 64 (got "0")');
      expect(await page.locator('.field-problem').textContent()).toBe('must be a whole number from 1 to 64 (got "0")');
      expect(await fsp.readFile(ws.configPath, 'utf8')).toBe(original);

      await concurrency.fill('8');
      await page.getByLabel('direction').selectOption('both');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect.poll(() => message.textContent()).toContain('Saved');
      const written = await fsp.readFile(ws.configPath, 'utf8');
      expect(written).toBe(original.replace('concurrency = 4 ; was 2 before', 'concurrency = 8 ; was 2 before').replace('direction = down', 'direction = both'));
      // The CLI reads the new file.
      const status = await ws.run('status', '--json');
      expect(status.code, status.stderr).toBe(0);
    } finally {
      await browser.close();
      await ui.close();
    }
  });
});
