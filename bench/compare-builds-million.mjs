// Not part of `npm run bench`: the 1 M-key no-op of two builds, alternately on one workspace (same seed, same page
// cache), for "within 5 % of the commit before" claims. BEFORE_CLI = the other build's dist/cli/qjournal.js, e.g.
//   git worktree add /tmp/before <rev> && (cd /tmp/before && npm run -s build)   # with node_modules linked
//   BEFORE_CLI=/tmp/before/dist/cli/qjournal.js node bench/compare-builds-million.mjs
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../dist/src/emulator/index.js';
import { mib, repo, runCliAt } from './lib.mjs';
import { seedBackedUpWorkspace } from './million-keys.mjs';

if (!process.env.BEFORE_CLI) throw new Error('set BEFORE_CLI to the other build\'s dist/cli/qjournal.js');
const builds = { before: process.env.BEFORE_CLI, after: path.join(repo, 'dist/cli/qjournal.js') };
const run = (cli, ws) => runCliAt(cli, ws, [], 'sync').then((r) => ({ ms: r.ms, rss: r.maxRssBytes, cpuMs: r.cpuMs }));
const keys = Number(process.env.KEYS ?? 1_000_000);
const emu = await startEmulator({ port: 0, bucket: 'bench' });
const ws = await seedBackedUpWorkspace(emu, 'compare-builds-million', keys);
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
