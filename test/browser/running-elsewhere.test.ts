import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { openBrowser, startUi } from '../helpers/dashboard.js';
import { makeWorkspace } from '../helpers/workspace.js';

// Issue #16: a run started from the terminal shows as running on the page (the lock), and Sync now is refused.
const emu = useEmulator();

describe('dashboard: a run started elsewhere', () => {
  it('shows as running while the CLI syncs, and the page cannot start a second one', async () => {
    emu.seed({ 'big.bin': Buffer.alloc(1_200_000, 7), 'small.txt': 'x' });
    const ws = await makeWorkspace(emu, { sync: { direction: 'down', bwlimit: '300k' } });
    const ui = await startUi([ws.configPath], { env: ws.env, cwd: ws.dir });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(ui.url);
      await page.getByRole('link', { name: 'Sync now' }).click();
      const apply = page.getByTestId('apply');
      await expect.poll(() => apply.isEnabled(), { timeout: 10_000 }).toBe(true);

      const cli = ws.run('sync');
      await expect.poll(() => page.getByTestId('running').textContent(), { timeout: 10_000 }).toContain('started from the terminal or the schedule');
      expect(await apply.isDisabled()).toBe(true);

      const run = await cli;
      expect(run.code, run.stderr).toBe(0);
      await expect.poll(() => page.getByTestId('running').count(), { timeout: 10_000 }).toBe(0);
    } finally {
      await browser.close();
      await ui.close();
    }
  });
});
