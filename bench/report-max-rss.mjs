// Preloaded into the CLI by the benchmarks (`node --import`): writes the process's peak RSS in bytes on exit.
import { writeFileSync } from 'node:fs';

const file = process.env.QJOURNAL_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
