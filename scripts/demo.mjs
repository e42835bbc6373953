// `npm run demo`: start the Kodo emulator with a sample bucket, back it up with the real CLI, then show `status`.
// Everything lives under ./demo (safe to delete). No Qiniu account needed. With --ui, it then serves the dashboard on it.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../dist/src/emulator/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = path.join(repo, process.env.QJOURNAL_DEMO_DIR || 'demo');
rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });

const emu = await startEmulator({ port: 0, bucket: 'demo' });
emu.seed({
  'readme.txt': 'Welcome to the qjournal demo bucket.\n',
  'photos/2024/beach.jpg': Buffer.alloc(300_000, 7),
  'photos/2024/mountain.jpg': Buffer.alloc(500_000, 9),
  'docs/年度报告.txt': '中文文件名也没问题。\n',
  'docs/q?&#+ odd name.txt': 'keys with ?&#+ and spaces work too\n',
  'big/video.bin': Buffer.alloc(12 << 20, 1),
  'empty.txt': '',
});

const configPath = path.join(demo, 'config.ini');
writeFileSync(
  configPath,
  `[bucket]\nname = ${emu.bucket}\ndomain = ${emu.domain}\nprivate = false\n\n[local]\nroot = ./backup\n\n[sync]\ndirection = down\n\n[log]\nlevel = info\nfile = ./qjournal.log\n\n[endpoints]\nrs = ${emu.url}\nrsf = ${emu.url}\nup = ${emu.url}\napi = ${emu.url}\nuc = ${emu.url}\n`,
);
const env = { ...process.env, QINIU_ACCESS_KEY: emu.accessKey, QINIU_SECRET_KEY: emu.secretKey };
// Asynchronous on purpose: the emulator answers from this process's event loop, which spawnSync would block.
const cli = (...args) => {
  console.log(`\n$ qjournal ${args.join(' ')}`);
  const child = spawn(process.execPath, [path.join(repo, 'dist/cli/qjournal.js'), ...args, '--config', configPath], { env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
};

let failed = 0;
failed += (await cli('sync')) === 0 ? 0 : 1;
failed += (await cli('sync')) === 0 ? 0 : 1; // second run: nothing to transfer
emu.seed({ 'readme.txt': 'The bucket changed after the first backup.\n' });
failed += (await cli('status')) === 0 ? 0 : 1;
failed += (await cli('sync')) === 0 ? 0 : 1;
failed += (await cli('log')) === 0 ? 0 : 1;
console.log(`\nThe backup is in ${path.join(demo, 'backup')}; the journal in ${path.join(demo, 'backup/.qjournal/journal.db')}.`);
if (process.argv.includes('--ui')) {
  // `npm run demo -- --ui`: then the dashboard on the same bucket, until Ctrl+C (the emulator lives in this process).
  process.on('SIGINT', () => {});
  failed += (await cli('ui', ...process.argv.slice(2).filter((a) => a !== '--ui'))) === 0 ? 0 : 1;
}
await emu.close();
process.exit(failed ? 1 : 0);
