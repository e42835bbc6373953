// Preloaded into the CLI by the benchmarks (`node --import`): writes the process's peak RSS in bytes and its CPU time
// (user + system, every thread, in microseconds) on exit, as "<rss> <cpu>".
//
// Not process.resourceUsage().maxRSS: on Linux ru_maxrss survives execve, so a CLI spawned (fork + exec) by the bench
// process, which holds the emulator's whole bucket in memory, would report the bench's RSS as its own peak. VmHWM is
// the high-water mark of this program's own address space.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.QJOURNAL_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    writeFileSync(file, `${peakRssBytes()} ${cpu.user + cpu.system}`);
  });
}

function peakRssBytes() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
