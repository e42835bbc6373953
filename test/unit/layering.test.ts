import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const depcruise = path.join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

// The folder rules of .dependency-cruiser.cjs (core pure, I/O layers below sync/cli/ui, the emulator only for its
// command, ...). Violations recorded in .dependency-cruiser-known-violations.json are being moved out and tolerated.
it('src keeps its layering (.dependency-cruiser.cjs)', async () => {
  expect(existsSync(depcruise), 'dependency-cruiser is a devDependency: run `npm install`').toBe(true);
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [depcruise, 'src', '--ignore-known', '--output-type', 'err'], { cwd: repo }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  expect({ code, output }, 'the import rules of .dependency-cruiser.cjs').toMatchObject({ code: 0, output: expect.not.stringMatching(/error /i) });
});
