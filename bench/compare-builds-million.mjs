// Not part of `npm run bench`: the 1 M-key no-op of two builds, alternately on one workspace (same seed, same page
// cache), for "within 5 % of the commit before" claims. BEFORE_CLI = the other build's dist/cli/qjournal.js, e.g.
//   git worktree add /tmp/before <rev> && (cd /tmp/before && npm run -s build)   # with node_modules linked
//   BEFORE_CLI=/tmp/before/dist/cli/qjournal.js node bench/compare-builds-million.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../dist/src/emulator/index.js';
import { openJournal } from '../dist/src/journal/open-journal.js';
import { mib, workspace, repo } from './lib.mjs';

if (!process.env.BEFORE_CLI) throw new Error('set BEFORE_CLI to the other build\'s dist/cli/qjournal.js');
const builds = { before: process.env.BEFORE_CLI, after: path.join(repo, 'dist/cli/qjournal.js') };
const RSS_HOOK = path.join(repo, 'bench/report-max-rss.mjs');
function run(cli, ws) {
  const rssFile = path.join(ws.dir, `rss-${process.hrtime.bigint()}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, cli, 'sync', '--config', ws.configPath], { env: { ...ws.env, QJOURNAL_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`exit ${code}`));
      const [rss, cpu] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
      resolve({ ms, rss, cpuMs: cpu / 1000 });
    });
  });
}
const keys = Number(process.env.KEYS ?? 1_000_000);
const emu = await startEmulator({ port: 0, bucket: 'bench' });
const objects = {};
const keyOf = (i) => `d${String(i % 1000).padStart(3, '0')}/f${String(i).padStart(7, '0')}.txt`;
for (let i = 0; i < keys; i++) objects[keyOf(i)] = `c${i}\n`;
emu.seed(objects);
const ws = workspace('ab-million', emu, { concurrency: 16 });
const listed = emu.objects();
const journal = await openJournal(path.join(ws.root, '.qjournal', 'journal.db'));
const runId = await journal.startRun({ command: 'bench-setup', direction: 'down' });
let batch = [];
for (let i = 0; i < keys; i++) {
  const key = keyOf(i);
  const abs = path.join(ws.root, key);
  if (i < 1000) mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, objects[key]);
  const st = statSync(abs);
  const o = listed.get(key);
  batch.push({ key, path: key, remoteHash: o.hash, fsize: o.fsize, putTime: o.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: Date.now(), runId });
  if (batch.length === 10_000) { await journal.recordEntries(batch); batch = []; }
}
await journal.recordEntries(batch);
await journal.close();
await run(builds.after, ws); // builds the snapshot
const res = { before: [], after: [] };
for (let r = 0; r < 4; r++) for (const b of r % 2 ? ['after', 'before'] : ['before', 'after']) res[b].push(await run(builds[b], ws));
for (const b of ['before', 'after']) {
  const med = (xs) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`${b}: wall ${res[b].map((x) => (x.ms / 1000).toFixed(2)).join(' ')} s (median ${(med(res[b].map((x) => x.ms)) / 1000).toFixed(2)}), cpu median ${(med(res[b].map((x) => x.cpuMs)) / 1000).toFixed(2)} s, peak RSS max ${mib(Math.max(...res[b].map((x) => x.rss)))} MiB`);
}
console.log(`journal: ${mib(statSync(path.join(ws.root, '.qjournal', 'journal.db')).size)} MiB for ${keys} files`);
await emu.close();
rmSync(ws.dir, { recursive: true, force: true });
