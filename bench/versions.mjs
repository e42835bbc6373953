// Keeping versions must be cheap (issue #12): an incremental sync of N keys after 1 % of the objects were overwritten
// in the bucket, with the default retention (every replaced local file is renamed into the version store) vs a
// retention that keeps nothing (`keep_replaced = 0`: the same work, then pruned at the end of the run). Both
// workspaces back up the same bucket; each round overwrites a fresh 1 % and syncs both, in alternating order.
// Goal: keeping versions costs at most 5 % more wall time.
import { appendFileSync } from 'node:fs';
import { startEmulator } from '../dist/src/emulator/index.js';
import { runCli, workspace } from './lib.mjs';

export async function benchVersions({ keys = 100_000, rounds = 5 } = {}) {
  const emu = await startEmulator({ port: 0, bucket: 'bench' });
  try {
    const names = Array.from({ length: keys }, (_, i) => `d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(7, '0')}.txt`);
    emu.seed(Object.fromEntries(names.map((name, i) => [name, `content ${i}\n`])));
    const kept = workspace('versions-kept', emu, { concurrency: 32 });
    const none = workspace('versions-none', emu, { concurrency: 32 });
    appendFileSync(none.configPath, '\n[versions]\nkeep_replaced = 0\n');
    for (const ws of [kept, none]) await runCli(ws, 'sync');
    // A run after the initial one leaves both journals' snapshots current, as in a weekly run.
    for (const ws of [kept, none]) await runCli(ws, 'sync');

    const changed = Math.max(1, Math.round(keys / 100));
    const times = { kept: [], none: [] };
    for (let round = 0; round < rounds; round++) {
      const overwrite = {};
      for (let j = 0; j < changed; j++) {
        const i = (round * 7919 + j * Math.floor(keys / changed)) % keys;
        overwrite[names[i]] = `overwritten in round ${round}: ${i}\n`;
      }
      emu.seed(overwrite);
      const order = round % 2 === 0 ? ['kept', 'none'] : ['none', 'kept'];
      for (const which of order) times[which].push((await runCli(which === 'kept' ? kept : none, 'sync')).ms);
    }
    const best = (xs) => Math.min(...xs);
    const keptMs = best(times.kept);
    const noneMs = best(times.none);
    console.log(`incremental sync of ${keys} keys, ${changed} overwritten remotely (best of ${rounds}):`);
    console.log(`  versions kept: ${keptMs.toFixed(0)} ms   (runs: ${times.kept.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  keep nothing:  ${noneMs.toFixed(0)} ms   (runs: ${times.none.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`ratio kept / nothing: ${(keptMs / noneMs).toFixed(3)}x (goal <= 1.05x)`);
    return { keptMs, noneMs, ratio: keptMs / noneMs };
  } finally {
    await emu.close();
  }
}
