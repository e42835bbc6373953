// `npm run bench`: performance as ratios against baselines measured in the same run.
//
// no-op sync: a bucket of N keys already backed up (N files on disk, N journal rows). A second `qjournal sync` (the
// built CLI, a child process, as cron runs it) must cost at most 1.5x the floor = listing the bucket from the same
// emulator with the SDK (list only) + `find` over the tree (stat of every file).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import qiniu from 'qiniu';
import { startEmulator } from '../dist/src/emulator/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(repo, 'bench/.work');
const N = Number(process.env.BENCH_KEYS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const emu = await startEmulator({ port: 0, bucket: 'bench' });
const objects = {};
for (let i = 0; i < N; i++) objects[`d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(7, '0')}.txt`] = `content ${i}\n`;
emu.seed(objects);

const configPath = path.join(work, 'config.ini');
writeFileSync(
  configPath,
  `[bucket]\nname = bench\ndomain = ${emu.domain}\n\n[local]\nroot = ./root\n\n[sync]\ndirection = down\nconcurrency = 32\n\n[log]\nlevel = warn\n\n[endpoints]\nrs = ${emu.url}\nrsf = ${emu.url}\nup = ${emu.url}\napi = ${emu.url}\nuc = ${emu.url}\n`,
);
const env = { ...process.env, QINIU_ACCESS_KEY: emu.accessKey, QINIU_SECRET_KEY: emu.secretKey };
const cli = (...args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/src/bin.js'), ...args, '--config', configPath], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`qjournal ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return ms;
};

console.log(`# qjournal bench (${N} keys, best of ${RUNS})`);
const initialMs = cli('sync');
console.log(`initial backup of ${N} small files: ${(initialMs / 1000).toFixed(1)} s`);

const mac = new qiniu.auth.digest.Mac(emu.accessKey, emu.secretKey);
const ep = () => new qiniu.httpc.Endpoint(new URL(emu.url).host, { defaultScheme: 'http' });
const config = new qiniu.conf.Config({
  useHttpsDomain: false,
  regionsProvider: new qiniu.httpc.Region({ regionId: 'bench', services: { up: [ep()], io: [ep()], rs: [ep()], rsf: [ep()], api: [ep()], uc: [ep()] } }),
});
const bm = new qiniu.rs.BucketManager(mac, config);
async function listAll() {
  const t0 = process.hrtime.bigint();
  let marker = '';
  let count = 0;
  do {
    const { data, resp } = await bm.listPrefix('bench', { limit: 1000, marker, prefix: '' });
    if (resp.statusCode !== 200) throw new Error(`list ${resp.statusCode}`);
    count += data.items.length;
    marker = data.marker ?? '';
  } while (marker);
  if (count !== N) throw new Error(`listed ${count} of ${N}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
function findTree() {
  const t0 = process.hrtime.bigint();
  execFileSync('find', [path.join(work, 'root'), '-type', 'f', '-printf', '%s %T@ %p\n'], { maxBuffer: 1 << 30 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const best = async (fn) => {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) min = Math.min(min, await fn());
  return min;
};
const listMs = await best(listAll);
const findMs = await best(findTree);
const noopMs = await best(async () => cli('sync'));
const floor = listMs + findMs;
console.log(`floor: list ${listMs.toFixed(0)} ms + find ${findMs.toFixed(0)} ms = ${floor.toFixed(0)} ms`);
console.log(`no-op sync (CLI child process, incl. Node start-up): ${noopMs.toFixed(0)} ms`);
console.log(`ratio no-op sync / floor: ${(noopMs / floor).toFixed(2)}x (goal <= 1.5x)`);
await emu.close();
