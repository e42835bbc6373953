// `npm run bench`: performance as ratios against baselines measured in the same run.
// BENCH_ONLY=noop,initial,million,versions picks benchmarks; BENCH_KEYS sets the no-op sync size (default 100k),
// BENCH_VERSIONS_KEYS the versions benchmark's (default 100k). small-down / small-up:
// BENCH_SMALL_DOWN / BENCH_SMALL_UP set how many small files (default 20,000 / 5,000; the 1 MiB and
// 100 MiB files of small-down scale along), BENCH_RUNS the rounds (default 3).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { repo } from './lib.mjs';
import { benchInitialBackup } from './initial-backup.mjs';
import { benchMillionKeys } from './million-keys.mjs';
import { benchNoopSync } from './noop-sync.mjs';
import { benchSmallDown, benchSmallUp } from './small-files.mjs';
import { benchVersions } from './versions.mjs';

const only = new Set((process.env.BENCH_ONLY ?? 'noop,initial,million,versions,small-down,small-up').split(','));
if (only.has('noop')) {
  console.log('\n# no-op sync vs SDK list + find');
  await benchNoopSync({ keys: Number(process.env.BENCH_KEYS ?? 100_000) });
}
if (only.has('initial')) {
  console.log('\n# initial backup vs aria2c -j4');
  await benchInitialBackup();
}
if (only.has('million')) {
  console.log('\n# no-op sync at 1 M keys: peak RSS');
  await benchMillionKeys();
}
if (only.has('versions')) {
  console.log('\n# incremental sync after 1 % remote overwrites: versions kept vs kept nothing');
  await benchVersions({ keys: Number(process.env.BENCH_VERSIONS_KEYS ?? 100_000) });
}
const runs = Number(process.env.BENCH_RUNS ?? 3);
if (only.has('small-down')) {
  const small = Number(process.env.BENCH_SMALL_DOWN ?? 20_000);
  const scale = small / 20_000;
  console.log('\n# initial backup of many small files vs a minimal keep-alive GET client (and aria2c)');
  await benchSmallDown({ small, oneMiB: Math.max(1, Math.round(10 * scale)), hundredMiB: Math.max(scale < 0.5 ? 0 : 1, Math.round(2 * scale)), runs });
}
if (only.has('small-up')) {
  console.log('\n# upload of many small files vs a minimal keep-alive form-upload client');
  await benchSmallUp({ small: Number(process.env.BENCH_SMALL_UP ?? 5_000), runs });
}
rmSync(path.join(repo, 'bench/.work'), { recursive: true, force: true });
