// `npm run demo`: a short story told with the real CLI against the bundled Kodo emulator — a first backup, a second
// run that moves nothing, changes on both sides, a conflict kept both ways, a restore, the history — and how to look at
// it again afterwards. Everything lives under ./demo (safe to delete). No Qiniu account needed. With --ui, it then
// serves the dashboard on it.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../dist/src/emulator/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = path.join(repo, process.env.QJOURNAL_DEMO_DIR || 'demo');
const backup = path.join(demo, 'backup');
const bin = path.join(repo, 'dist/cli/qjournal.js');
rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });

// The bucket is kept in demo/bucket, so the emulator can be started again on it after the demo (see the end).
const emu = await startEmulator({ port: 0, bucket: 'demo', dataDir: path.join(demo, 'bucket') });
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
  `[bucket]\nname = ${emu.bucket}\ndomain = ${emu.domain}\nprivate = false\n\n[local]\nroot = ./backup\n\n[sync]\ndirection = both\n` +
    `conflict = keep-both\n\n[log]\nlevel = info\nfile = ./qjournal.log\n\n[endpoints]\nrs = ${emu.url}\n`,
);
const env = { ...process.env, QINIU_ACCESS_KEY: emu.accessKey, QINIU_SECRET_KEY: emu.secretKey };
const say = (text) => console.log(`\n${text}`);
// Asynchronous on purpose: the emulator answers from this process's event loop, which spawnSync would block.
const cli = (...args) => {
  console.log(`$ qjournal ${args.join(' ')}`);
  const child = spawn(process.execPath, [bin, ...args, '--config', configPath], { env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
};
/** Change the bucket as another client would, through the emulator's control route (`qjournal emulator --help`). */
const putRemote = (objects) => fetch(`${emu.url}/_emulator/seed`, { method: 'POST', body: JSON.stringify(objects) });

let failed = 0;
const step = async (...args) => {
  const code = await cli(...args);
  if (code !== 0) {
    failed++;
    console.log(`(exit code ${code})`);
  }
};

say('1. The bucket holds 7 files (one of 12 MiB). The first backup downloads all of them into demo/backup:');
await step('sync');

say('2. Run it again: the journal remembers every file, nothing changed, so nothing is transferred:');
await step('sync');

say('3. Both sides change: another client rewrites readme.txt in the bucket, and you write notes/todo.txt locally.\n   status shows what the next sync will do, and changes nothing:');
await putRemote({ 'readme.txt': 'The bucket changed after the first backup.\n' });
mkdirSync(path.join(backup, 'notes'), { recursive: true });
writeFileSync(path.join(backup, 'notes/todo.txt'), 'back up the photos\n');
await step('status');

say('4. sync downloads the new readme.txt and uploads notes/todo.txt:');
await step('sync');

say('5. A conflict: empty.txt is edited in the bucket AND on your disk before the next sync. conflict = keep-both keeps\n   both versions: the bucket\'s under the name, yours beside it as a "(conflict <date>)" copy, on both sides:');
await putRemote({ 'empty.txt': 'written in the bucket\n' });
writeFileSync(path.join(backup, 'empty.txt'), 'written on this disk\n');
await step('sync');

say('6. photos/2024/beach.jpg is deleted from the disk by mistake. restore brings it back from the bucket, verified\n   against its hash (name it by its key or its local path):');
unlinkSync(path.join(backup, 'photos/2024/beach.jpg'));
await step('restore', 'photos/2024/beach.jpg');

say('7. The history, from the journal:');
await step('log');

if (process.argv.includes('--ui')) {
  // `npm run demo -- --ui`: then the dashboard on the same bucket, until Ctrl+C (the emulator lives in this process).
  process.on('SIGINT', () => {});
  say('8. The same backup in the dashboard:');
  await step('ui', ...process.argv.slice(2).filter((a) => a !== '--ui'));
}
await emu.close();
const cliName = `node ${path.relative(process.cwd(), bin) || bin}`;
say(
  `The backup is in ${backup}, its journal in ${path.join(backup, '.qjournal/journal.db')}, the log in ${path.join(demo, 'qjournal.log')}.\n` +
    'To look at it again later:\n' +
    `  ${cliName} log --config ${configPath}                 (needs nothing else)\n` +
    `  ${cliName} emulator --data ${path.join(demo, 'bucket')} --bucket demo --port ${new URL(emu.url).port} \\\n` +
    `      --access-key ${emu.accessKey} --secret-key ${emu.secretKey}   (the same bucket on the same port; leave it running)\n` +
    `  QINIU_ACCESS_KEY=${emu.accessKey} QINIU_SECRET_KEY=${emu.secretKey} ${cliName} status --config ${configPath}`,
);
process.exit(failed ? 1 : 0);
