// `npm run bench`: performance as ratios against baselines measured in the same run.
// BENCH_ONLY=noop,initial,million,versions picks benchmarks; BENCH_KEYS sets the no-op sync size (default 100k),
// BENCH_VERSIONS_KEYS the versions benchmark's (default 100k).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { repo } from './lib.mjs';
import { benchInitialBackup } from './initial-backup.mjs';
import { benchMillionKeys } from './million-keys.mjs';
import { benchNoopSync } from './noop-sync.mjs';
import { benchVersions } from './versions.mjs';

const only = new Set((process.env.BENCH_ONLY ?? 'noop,initial,million,versions').split(','));
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
rmSync(path.join(repo, 'bench/.work'), { recursive: true, force: true });
