// No-op sync at N keys: a bucket already backed up (N files on disk, N journal rows). A second `qjournal sync` must
// cost at most 1.5x the floor measured in the same run = listing the bucket from the same emulator with the SDK
// (list only) + `find` over the tree (stat of every file).
import path from 'node:path';
import qiniu from 'qiniu';
import { startEmulator } from '../dist/src/emulator/index.js';
import { best, runCli, runCliAt, timeCommand, workspace } from './lib.mjs';

export async function benchNoopSync({ keys = 100_000, runs = 5 } = {}) {
  const emu = await startEmulator({ port: 0, bucket: 'bench' });
  try {
    const objects = {};
    for (let i = 0; i < keys; i++) objects[`d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(7, '0')}.txt`] = `content ${i}\n`;
    emu.seed(objects);
    const ws = workspace('noop-sync', emu, { concurrency: 32 });
    const initial = await runCli(ws, 'sync');
    console.log(`initial backup of ${keys} small files: ${(initial.ms / 1000).toFixed(1)} s`);

    const mac = new qiniu.auth.digest.Mac(emu.accessKey, emu.secretKey);
    const ep = () => new qiniu.httpc.Endpoint(new URL(emu.url).host, { defaultScheme: 'http' });
    const services = { up: [ep()], io: [ep()], rs: [ep()], rsf: [ep()], api: [ep()], uc: [ep()] };
    const config = new qiniu.conf.Config({ useHttpsDomain: false, regionsProvider: new qiniu.httpc.Region({ regionId: 'bench', services }) });
    const bm = new qiniu.rs.BucketManager(mac, config);
    const listAll = async () => {
      const t0 = process.hrtime.bigint();
      let marker = '';
      let count = 0;
      do {
        const { data, resp } = await bm.listPrefix(emu.bucket, { limit: 1000, marker, prefix: '' });
        if (resp.statusCode !== 200) throw new Error(`list ${resp.statusCode}`);
        count += data.items.length;
        marker = data.marker ?? '';
      } while (marker);
      if (count !== keys) throw new Error(`listed ${count} of ${keys}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const findTree = () => timeCommand('find', [path.join(ws.root), '-type', 'f', '-printf', '%s %T@ %p\n']);

    // Write back what the initial backup left dirty first, so neither side pays for it.
    await timeCommand('sync', []);
    const listMs = await best(runs, listAll);
    const findMs = await best(runs, findTree);
    // `BEFORE_CLI=<another checkout>/dist/cli/qjournal.js`: that build's no-op too, alternately on the same workspace.
    const beforeCli = process.env.BEFORE_CLI;
    const beforeTimes = [];
    const noopMs = await best(runs, async () => {
      if (beforeCli) beforeTimes.push((await runCliAt(beforeCli, ws, [], 'sync')).ms);
      return (await runCli(ws, 'sync')).ms;
    });
    if (beforeCli) console.log(`no-op sync of BEFORE_CLI: best ${Math.min(...beforeTimes).toFixed(0)} ms`);
    const before = emu.counters().requests.download ?? 0;
    const floor = listMs + findMs;
    console.log(`floor: SDK list ${listMs.toFixed(0)} ms + find ${findMs.toFixed(0)} ms = ${floor.toFixed(0)} ms`);
    console.log(`no-op sync (CLI child process, incl. Node start-up): ${noopMs.toFixed(0)} ms, ${(emu.counters().requests.download ?? 0) - before} downloads`);
    console.log(`ratio no-op sync / floor: ${(noopMs / floor).toFixed(2)}x (goal <= 1.5x)`);
    return { noopMs, floor, ratio: noopMs / floor };
  } finally {
    await emu.close();
  }
}
