// Shared plumbing for the benchmarks: an emulator-backed workspace and a timed run of the built CLI.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(repo, 'dist/cli/qjournal.js');
const RSS_HOOK = path.join(repo, 'bench/report-max-rss.mjs');

const PARKED = path.join(repo, 'bench/.work/parked');
let parkedCount = 0;

/**
 * Move `dir` out of the way under bench/.work/parked/ rather than delete it, so the next timed run does not pay for
 * this one's deletions. An ext4 without a journal (this project's build machine) passes over every inode freed in the
 * last one to six minutes when it creates a file (recently_deleted() in fs/ext4/ialloc.c): right after 20,000
 * deletions, a script creating 20,000 files spent 4.8–9.7 s in open() (0.25–0.5 ms of kernel CPU each), without a
 * deletion 0.26–0.47 s. Files of 1 MiB or more are deleted at once (few inodes, most of the bytes). `clearParked`
 * deletes the rest, after the timing.
 */
export function parkAway(dir) {
  if (!existsSync(dir)) return;
  const dropBig = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const p = path.join(at, entry.name);
      if (entry.isDirectory()) dropBig(p);
      else if (entry.isFile() && statSync(p).size >= 1 << 20) rmSync(p);
    }
  };
  dropBig(dir);
  mkdirSync(PARKED, { recursive: true });
  renameSync(dir, path.join(PARKED, `${process.pid}-${parkedCount++}`));
}

/**
 * Wait until creating a file costs what it normally does, for `quietS` seconds in a row (`BENCH_SETTLE_S`, default 120;
 * 0 skips the wait), at most `maxS`. After mass deletions on this machine's ext4 (see `parkAway`), creates were slow in
 * windows of 40–50 s about every 90 s (0.5–1.2 ms each instead of 20–30 µs) for four to five minutes: a timed round that
 * fell into one paid up to 10 s more, and qjournal (which creates its small files with synchronous calls) paid more of
 * it than the floor (whose creates go to the thread pool). Probes are 500 empty files in a fresh folder, parked.
 */
export async function settleFileCreation({ quietS = Number(process.env.BENCH_SETTLE_S ?? 120), maxS = 600, everyS = 10, limitUs = 100 } = {}) {
  if (quietS <= 0) return;
  const start = Date.now();
  const probes = [];
  let quiet = [];
  let quietSince = null;
  for (;;) {
    const dir = path.join(repo, 'bench/.work/settle');
    mkdirSync(dir, { recursive: true });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 500; i++) closeSync(openSync(path.join(dir, `f${i}`), 'w'));
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / 500;
    parkAway(dir);
    probes.push(us);
    const now = Date.now();
    if (us > limitUs) {
      quietSince = null;
      quiet = [];
    } else {
      quietSince ??= now;
      quiet.push(us);
    }
    if (quietSince !== null && now - quietSince >= quietS * 1000) break;
    if (now - start >= maxS * 1000) {
      console.log(`file creation did not settle within ${maxS} s (last probes ${probes.slice(-6).map((p) => p.toFixed(0)).join(', ')} µs per create): results may be inflated`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, everyS * 1000));
  }
  const worst = Math.max(...probes);
  console.log(
    `file creation settled in ${((Date.now() - start) / 1000).toFixed(0)} s (${probes.length} probes, the slowest ${worst.toFixed(0)} µs per create; ` +
      `the last ${quietS} s ${Math.min(...quiet).toFixed(0)}–${Math.max(...quiet).toFixed(0)} µs)`,
  );
}

/**
 * The order of `n` contenders in round `round`: rows of a Williams design, so that each contender runs right after
 * every other one equally often within n rounds (2n when n is odd; for odd n every other round is a row reversed, so
 * even 3 rounds give each contender two predecessors). A plain rotation keeps every contender's predecessor, and
 * whatever one contender leaves behind (dirty pages, freed inodes) always lands on the same next one.
 */
export function roundOrder(n, round) {
  const first = [0];
  for (let k = 1; first.length < n; k++) {
    first.push(k);
    if (first.length < n) first.push(n - k);
  }
  const row = first.map((c) => (c + round) % n);
  return n % 2 === 1 && round % 2 === 1 ? row.reverse() : row;
}

/** Delete what `parkAway` kept: call when no timed run follows soon. */
export function clearParked() {
  rmSync(PARKED, { recursive: true, force: true });
}

/** A fresh folder under bench/.work/<name> with a config.ini pointing at `emu` (a previous one is parked away). */
export function workspace(name, emu, sync = {}) {
  const dir = path.join(repo, 'bench/.work', name);
  parkAway(dir);
  mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'config.ini');
  const syncLines = Object.entries({ direction: 'down', ...sync }).map(([k, v]) => `${k} = ${v}`).join('\n');
  writeFileSync(
    configPath,
    `[bucket]\nname = ${emu.bucket}\ndomain = ${emu.domain}\n\n[local]\nroot = ./root\n\n[sync]\n${syncLines}\n\n[log]\nlevel = warn\n\n` +
      `[endpoints]\nrs = ${emu.url}\nrsf = ${emu.url}\nup = ${emu.url}\napi = ${emu.url}\nuc = ${emu.url}\n`,
  );
  const env = { ...process.env, QINIU_ACCESS_KEY: emu.accessKey, QINIU_SECRET_KEY: emu.secretKey };
  return { dir, root: path.join(dir, 'root'), configPath, env };
}

/**
 * Run `qjournal <args>` as a child process (what cron runs) while this process keeps serving the emulator.
 * Resolves with wall time, the child's peak RSS (reported by a preloaded hook, in bytes) and its CPU time (ms).
 */
export function runCli(ws, ...args) {
  return runCliWith(ws, [], ...args);
}

/** `runCli` with extra node options (e.g. `--cpu-prof`). */
export function runCliWith(ws, nodeArgs, ...args) {
  return runCliAt(CLI, ws, nodeArgs, ...args);
}

/** `runCliWith` of another build's CLI (bench/compare-builds-million.mjs). */
export function runCliAt(cli, ws, nodeArgs, ...args) {
  const rssFile = path.join(ws.dir, `rss-${process.hrtime.bigint()}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, '--import', RSS_HOOK, cli, ...args, '--config', ws.configPath], {
      env: { ...ws.env, QJOURNAL_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`qjournal ${args.join(' ')} exited ${code}: ${stderr}`));
      const [rss, cpu] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
      resolve({ ms, maxRssBytes: rss, cpuMs: cpu / 1000 });
    });
  });
}

/** Run a command, resolve with wall time; the emulator keeps serving in this process meanwhile. */
export function timeCommand(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${stderr}`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

export async function best(runs, fn) {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await fn());
  return min;
}

export const mib = (bytes) => (bytes / (1 << 20)).toFixed(0);

/**
 * Run a command under bash and resolve with its wall time and CPU time (user + system of the command and its children,
 * from bash's `times`), both in ms.
 */
export function timeCommandCpu(cmd, args, opts = {}) {
  const timesFile = path.join(repo, 'bench/.work', `times-${process.hrtime.bigint()}.txt`);
  mkdirSync(path.dirname(timesFile), { recursive: true });
  const script = '"$@"; rc=$?; times > "$QJ_TIMES_FILE"; exit $rc';
  return timeCommand('bash', ['-c', script, 'bash', cmd, ...args], { ...opts, env: { ...(opts.env ?? process.env), QJ_TIMES_FILE: timesFile } }).then(
    (ms) => {
      // Second line: the children's user and system time, e.g. "0m1.234s 0m0.056s".
      const children = readFileSync(timesFile, 'utf8').trim().split('\n')[1] ?? '';
      const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((n, m) => n + (Number(m[1]) * 60 + Number(m[2])) * 1000, 0);
      rmSync(timesFile, { force: true });
      return { ms, cpuMs };
    },
  );
}
