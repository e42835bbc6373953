// `npm run bench`: performance as ratios against baselines measured in the same run.
// BENCH_ONLY=noop,initial,million picks benchmarks; BENCH_KEYS sets the no-op sync size (default 100k).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { repo } from './lib.mjs';
import { benchInitialBackup } from './initial-backup.mjs';
import { benchMillionKeys } from './million-keys.mjs';
import { benchNoopSync } from './noop-sync.mjs';

const only = new Set((process.env.BENCH_ONLY ?? 'noop,initial,million').split(','));
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
rmSync(path.join(repo, 'bench/.work'), { recursive: true, force: true });
