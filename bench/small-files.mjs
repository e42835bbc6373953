// Many small files at the speed of the wire (issue #14). Two benchmarks, each a ratio against a floor measured in the
// same run against the same emulator, at the same concurrency, alternating with qjournal in a rotating order (best
// and median of `runs`):
// - small-down: an initial backup of N small files (1–64 KiB, plus a few 1 MiB and 100 MiB ones) vs bench/floor-get.mjs
//   (GET each URL over keep-alive connections and write it: no verification, no fsync, no journal); aria2c on the
//   same URLs beside it. Goal: qjournal <= 1.3x the floor.
// - small-up: a first upload of N small files vs bench/floor-upload.mjs (the same form uploads over keep-alive
//   connections: no stat, no journal). Goal: <= 1.3x.
// Both report files per second and CPU seconds per 1,000 files (CPU of the client process only, every thread).
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import qiniu from 'qiniu';
import { startEmulator } from '../dist/src/emulator/index.js';
import { clearParked, parkAway, repo, roundOrder, runCliAt, runCliWith, settleFileCreation, timeCommandCpu, workspace } from './lib.mjs';

const FLOOR_GET = path.join(repo, 'bench/floor-get.mjs');
const FLOOR_UPLOAD = path.join(repo, 'bench/floor-upload.mjs');
// `BEFORE_CLI=<another checkout>/dist/cli/qjournal.js`: that build runs too, alternately, as "qjournal before" (an A/B
// of a change on one loaded machine, where separate runs of this benchmark differ by more than the change).
const BEFORE_CLI = process.env.BEFORE_CLI;
/** `BENCH_CPU_PROF=DIR`: qjournal runs write a V8 CPU profile there. */
const cpuProfArgs = () => (process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []);

/** Sizes of 1–64 KiB, the same for every run (a small LCG, not Math.random). */
function smallSizes(n, seed = 12345) {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 1024 + (x % (63 * 1024));
  });
}

function smallKey(i) {
  return `s/d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(6, '0')}.bin`;
}

function stamp(block, size, i) {
  const out = Buffer.from(block.subarray(0, size));
  out.write(`file ${i} `, 0);
  return out;
}

function report(label, n, run) {
  const perSecond = n / (run.ms / 1000);
  const cpuPer1000 = run.cpuMs / 1000 / (n / 1000);
  const server = run.serverCpuMs === undefined ? '' : `  (emulator CPU ${(run.serverCpuMs / 1000 / (n / 1000)).toFixed(3)} s / 1,000)`;
  console.log(`  ${label.padEnd(34)} ${(run.ms / 1000).toFixed(2).padStart(7)} s  ${perSecond.toFixed(0).padStart(6)} files/s  CPU ${(run.cpuMs / 1000).toFixed(2).padStart(6)} s = ${cpuPer1000.toFixed(3)} s / 1,000 files${server}`);
}

function bestOf(runs) {
  return runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}

/** The run of median wall time (the machine is shared: the best alone flatters, the median is what one gets). */
function medianOf(runs) {
  return [...runs].sort((a, b) => a.ms - b.ms)[Math.floor((runs.length - 1) / 2)];
}

/**
 * `fn`'s result with `serverCpuMs`: the CPU this process (the emulator, in-process) spent meanwhile, so the server's
 * share of a run is seen apart from the client's; and `stealPct`, the share of the machine's CPU time the hypervisor
 * gave to other guests meanwhile (/proc/stat): the slow spells of this shared machine show up there.
 */
async function withServerCpu(fn) {
  const before = process.cpuUsage();
  const stealBefore = cpuTimes();
  const run = await fn();
  const used = process.cpuUsage(before);
  const stealAfter = cpuTimes();
  const stealPct = stealBefore && stealAfter ? (100 * (stealAfter.steal - stealBefore.steal)) / Math.max(1, stealAfter.total - stealBefore.total) : undefined;
  return { ...run, serverCpuMs: (used.user + used.system) / 1000, stealPct };
}

/** All CPUs' time so far and the part of it stolen (Linux; undefined elsewhere). */
function cpuTimes() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] };
  } catch {
    return undefined;
  }
}

function summarize(n, rows, times) {
  for (const [label, key] of rows) {
    console.log(`${label}:`);
    report('  best', n, bestOf(times[key]));
    report('  median', n, medianOf(times[key]));
    console.log(`    each round                     ${times[key].map((r) => (r.ms / 1000).toFixed(2)).join(' ')} s`);
    const steal = times[key].map((r) => r.stealPct);
    if (steal.every((p) => p !== undefined)) console.log(`    CPU stolen by other guests     ${steal.map((p) => p.toFixed(0)).join(' ')} %`);
  }
}

export async function benchSmallDown({ small = 20_000, oneMiB = 10, hundredMiB = 2, concurrency = 4, runs = 3 } = {}) {
  const emu = await startEmulator({ port: 0, bucket: 'bench' });
  try {
    const objects = {};
    const block = randomBytes(Math.max(64 << 10, hundredMiB > 0 ? 100 << 20 : 1 << 20));
    smallSizes(small).forEach((size, i) => (objects[smallKey(i)] = stamp(block, size, i)));
    for (let i = 0; i < oneMiB; i++) objects[`m/f${String(i).padStart(3, '0')}.bin`] = stamp(block, 1 << 20, 100_000 + i);
    for (let i = 0; i < hundredMiB; i++) objects[`b/v${String(i).padStart(2, '0')}.bin`] = stamp(block, 100 << 20, 200_000 + i);
    emu.seed(objects);
    const keys = Object.keys(objects);
    const total = keys.reduce((n, k) => n + objects[k].length, 0);
    console.log(`bucket: ${small} files of 1–64 KiB + ${oneMiB} x 1 MiB + ${hundredMiB} x 100 MiB = ${(total / 2 ** 20).toFixed(0)} MiB, concurrency ${concurrency}`);
    const urlOf = (key) => `${emu.domain}/${key.split('/').map(encodeURIComponent).join('/')}`;

    const work = path.join(repo, 'bench/.work/small-down');
    const floorDir = path.join(work, 'floor');
    const ariaDir = path.join(work, 'aria2c');
    mkdirSync(work, { recursive: true });
    const floorList = path.join(work, 'floor.json');
    writeFileSync(floorList, JSON.stringify(keys.map((k) => [urlOf(k), path.join(floorDir, k)])));
    const ariaList = path.join(work, 'aria2c.txt');
    writeFileSync(ariaList, keys.map((k) => `${urlOf(k)}\n  out=${k}\n`).join(''));

    const fresh = (dir) => {
      parkAway(dir);
      mkdirSync(dir, { recursive: true });
      // Write back what the previous run left dirty, so no run pays for another's writes.
      execSync('sync');
    };
    const floor = () => (fresh(floorDir), withServerCpu(() => timeCommandCpu(process.execPath, [FLOOR_GET, floorList, String(concurrency)])));
    const aria = () => (
      fresh(ariaDir),
      withServerCpu(() => timeCommandCpu('aria2c', [
        `-j${concurrency}`, '-x1', '-s1', '--file-allocation=none', '--auto-file-renaming=false', '--allow-overwrite=true',
        '--console-log-level=warn', '--summary-interval=0', '--download-result=hide', '-d', ariaDir, '-i', ariaList,
      ]))
    );
    const qjournal = async () => {
      const ws = workspace('small-down/qjournal', emu, { concurrency });
      execSync('sync');
      return withServerCpu(() => runCliWith(ws, cpuProfArgs(), 'sync'));
    };

    const before = async () => {
      const ws = workspace('small-down/before', emu, { concurrency });
      execSync('sync');
      return withServerCpu(() => runCliAt(BEFORE_CLI, ws, [], 'sync'));
    };

    const contenders = [['floor', floor], ['aria', aria], ['qjournal', qjournal]];
    if (BEFORE_CLI) contenders.push(['before', before]);
    const times = Object.fromEntries(contenders.map(([name]) => [name, []]));
    // Every contender creates 20,000 files: none may meet this machine's slow-create windows after deletions.
    await settleFileCreation();
    for (let i = 0; i < runs; i++) {
      // No contender keeps one place or one predecessor: in a fixed order (and before parkAway), the build that ran
      // right after aria2c was ~20 % slower than the same build after it.
      for (const c of roundOrder(contenders.length, i)) {
        const [name, run] = contenders[c];
        times[name].push(await run());
      }
    }
    const n = keys.length;
    console.log(`${runs} rounds (${n} files):`);
    const rows = [['floor (GET + write, keep-alive)', 'floor'], [`aria2c -j${concurrency}`, 'aria'], ['qjournal sync', 'qjournal']];
    summarize(n, BEFORE_CLI ? [...rows, ['qjournal before (BEFORE_CLI)', 'before']] : rows, times);
    if (BEFORE_CLI) console.log(`qjournal / before: ${(medianOf(times.qjournal).ms / medianOf(times.before).ms).toFixed(2)}x wall median, CPU ${(medianOf(times.qjournal).cpuMs / medianOf(times.before).cpuMs).toFixed(2)}x`);
    const ratio = bestOf(times.qjournal).ms / bestOf(times.floor).ms;
    const medianRatio = medianOf(times.qjournal).ms / medianOf(times.floor).ms;
    const cpuRatio = Math.min(...times.qjournal.map((r) => r.cpuMs)) / Math.min(...times.floor.map((r) => r.cpuMs));
    console.log(`ratio qjournal / floor: ${ratio.toFixed(2)}x wall best, ${medianRatio.toFixed(2)}x median (goal <= 1.3x), ${cpuRatio.toFixed(2)}x CPU; qjournal / aria2c: ${(bestOf(times.qjournal).ms / bestOf(times.aria).ms).toFixed(2)}x`);
    return { ratio, medianRatio, cpuRatio, floor: bestOf(times.floor), aria: bestOf(times.aria), qjournal: bestOf(times.qjournal) };
  } finally {
    clearParked();
    await emu.close();
  }
}

export async function benchSmallUp({ small = 5_000, concurrency = 4, runs = 3 } = {}) {
  const emu = await startEmulator({ port: 0, bucket: 'bench' });
  try {
    const ws = workspace('small-up', emu, { concurrency, direction: 'up' });
    const block = randomBytes(64 << 10);
    const sizes = smallSizes(small, 777);
    const files = sizes.map((size, i) => {
      const key = smallKey(i);
      const abs = path.join(ws.root, key);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, stamp(block, size, i));
      return [abs, key];
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`local: ${small} files of 1–64 KiB = ${(total / 2 ** 20).toFixed(0)} MiB, concurrency ${concurrency}`);
    const list = path.join(ws.dir, 'floor.json');
    writeFileSync(list, JSON.stringify(files));
    const mac = new qiniu.auth.digest.Mac(emu.accessKey, emu.secretKey);
    const token = new qiniu.rs.PutPolicy({ scope: emu.bucket, insertOnly: 1, expires: 7 * 24 * 3600 }).uploadToken(mac);

    const fresh = () => {
      emu.reset();
      rmSync(path.join(ws.root, '.qjournal'), { recursive: true, force: true });
      execSync('sync');
    };
    const floor = () => (fresh(), withServerCpu(() => timeCommandCpu(process.execPath, [FLOOR_UPLOAD, list, emu.url, token, String(concurrency)])));
    const qjournal = async () => {
      fresh();
      const run = await withServerCpu(() => runCliWith(ws, cpuProfArgs(), 'sync'));
      if (emu.objects().size !== small) throw new Error(`qjournal uploaded ${emu.objects().size} of ${small}`);
      return run;
    };
    const floorChecked = async () => {
      const run = await floor();
      if (emu.objects().size !== small) throw new Error(`the floor uploaded ${emu.objects().size} of ${small}`);
      return run;
    };
    const times = { floor: [], qjournal: [] };
    for (let i = 0; i < runs; i++) {
      // Alternately first: neither always runs right after the other's writes.
      if (i % 2 === 0) times.floor.push(await floorChecked());
      times.qjournal.push(await qjournal());
      if (i % 2 === 1) times.floor.push(await floorChecked());
    }
    console.log(`${runs} rounds (${small} files):`);
    summarize(small, [['floor (form uploads, keep-alive)', 'floor'], ['qjournal sync --direction up', 'qjournal']], times);
    const ratio = bestOf(times.qjournal).ms / bestOf(times.floor).ms;
    const medianRatio = medianOf(times.qjournal).ms / medianOf(times.floor).ms;
    const cpuRatio = Math.min(...times.qjournal.map((r) => r.cpuMs)) / Math.min(...times.floor.map((r) => r.cpuMs));
    console.log(`ratio qjournal / floor: ${ratio.toFixed(2)}x wall best, ${medianRatio.toFixed(2)}x median (goal <= 1.3x), ${cpuRatio.toFixed(2)}x CPU`);
    return { ratio, medianRatio, cpuRatio, floor: bestOf(times.floor), qjournal: bestOf(times.qjournal) };
  } finally {
    await emu.close();
  }
}
