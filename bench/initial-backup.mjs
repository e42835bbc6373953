// Initial backup of ~2 GiB (1,000 x 1 MiB + 10 x 100 MiB) against `aria2c -j4` fetching the same URLs from the same
// emulator in the same run. Goal: qjournal <= 1.1x aria2c. qjournal does more per file (qetag verification, fsync,
// journal row), aria2c does nothing of that: the ratio is the price of trust.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../dist/src/emulator/index.js';
import { mib, runCli, runCliAt, timeCommand, workspace } from './lib.mjs';

/** aria2c comes from Debian; install it when missing (root, or passwordless sudo). */
function ensureAria2c() {
  try {
    execSync('command -v aria2c', { stdio: 'ignore' });
  } catch {
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    console.log('installing aria2 from Debian…');
    execSync(`${sudo}apt-get install -y aria2 || (${sudo}apt-get update && ${sudo}apt-get install -y aria2)`, { stdio: 'inherit', shell: '/bin/bash' });
  }
}

export async function benchInitialBackup({ small = 1000, smallSize = 1 << 20, big = 10, bigSize = 100 << 20, concurrency = 4, runs = 3 } = {}) {
  ensureAria2c();
  const emu = await startEmulator({ port: 0, bucket: 'bench' });
  try {
    const objects = {};
    // One random block reused with a per-file header: distinct content (distinct qetags) without generating 2 GiB of randomness.
    const block = randomBytes(bigSize);
    for (let i = 0; i < small; i++) objects[`small/f${String(i).padStart(4, '0')}.bin`] = stamp(block.subarray(0, smallSize), i);
    for (let i = 0; i < big; i++) objects[`big/v${String(i).padStart(2, '0')}.bin`] = stamp(Buffer.from(block), 10_000 + i);
    emu.seed(objects);
    const total = Object.values(objects).reduce((n, b) => n + b.length, 0);
    console.log(`bucket: ${small} x ${mib(smallSize)} MiB + ${big} x ${mib(bigSize)} MiB = ${mib(total)} MiB`);

    const list = Object.keys(objects)
      .map((key) => `${emu.domain}/${key.split('/').map(encodeURIComponent).join('/')}\n  out=${key}\n`)
      .join('');
    const aria = async () => {
      const ariaDir = path.join(workspace('aria2c', emu).dir, 'out');
      mkdirSync(ariaDir, { recursive: true });
      const listFile = path.join(ariaDir, '..', 'urls.txt');
      writeFileSync(listFile, list);
      return timeCommand('aria2c', [
        `-j${concurrency}`, '-x1', '-s1', '--file-allocation=none', '--auto-file-renaming=false', '--allow-overwrite=true',
        '--console-log-level=warn', '--summary-interval=0', '--download-result=hide', '-d', ariaDir, '-i', listFile,
      ]);
    };
    const qjournal = () => runCli(workspace('initial-backup', emu, { concurrency }), 'sync');
    // `BEFORE_CLI=<another checkout>/dist/cli/qjournal.js`: that build's initial backup too, in the same rounds.
    const beforeCli = process.env.BEFORE_CLI;
    let beforeMs = Infinity;

    // Best of `runs` for each side, alternating, each into a fresh folder: single runs vary by a third here.
    let ariaMs = Infinity;
    let qjournalMs = Infinity;
    let peakRss = 0;
    const before = async () => {
      if (beforeCli) beforeMs = Math.min(beforeMs, (await runCliAt(beforeCli, workspace('initial-backup-before', emu, { concurrency }), [], 'sync')).ms);
    };
    for (let i = 0; i < runs; i++) {
      ariaMs = Math.min(ariaMs, await aria());
      // The two builds take turns at running right after aria2c's writes (the one there ran slower).
      if (i % 2 === 1) await before();
      const run = await qjournal();
      qjournalMs = Math.min(qjournalMs, run.ms);
      peakRss = Math.max(peakRss, run.maxRssBytes);
      if (i % 2 === 0) await before();
    }
    if (beforeCli) console.log(`BEFORE_CLI (best of ${runs}): ${(beforeMs / 1000).toFixed(2)} s`);
    const ratio = qjournalMs / ariaMs;
    console.log(`aria2c -j${concurrency} (best of ${runs}): ${(ariaMs / 1000).toFixed(2)} s (${mib(total / (ariaMs / 1000))} MiB/s)`);
    console.log(`qjournal sync (concurrency ${concurrency}, best of ${runs}): ${(qjournalMs / 1000).toFixed(2)} s (${mib(total / (qjournalMs / 1000))} MiB/s), peak RSS ${mib(peakRss)} MiB`);
    console.log(`ratio qjournal / aria2c: ${ratio.toFixed(2)}x (goal <= 1.1x)`);
    return { ariaMs, qjournalMs, ratio };
  } finally {
    await emu.close();
  }
}

function stamp(buf, i) {
  const out = Buffer.from(buf);
  out.write(`file ${i} `, 0);
  return out;
}
