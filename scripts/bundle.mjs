// `npm run build`'s second step: bundle dist/src into dist/cli (rolldown.config.mjs) through rolldown's API, which
// prints nothing on success (its CLI prints a 60-line size table). Warnings and errors are still printed, without
// colour codes: the output is often a pipe or a CI log.
import { rmSync } from 'node:fs';
import { build } from 'rolldown';
import config from '../rolldown.config.mjs';

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');
const report = (log) => process.stderr.write(`rolldown: ${plain(log.message)}\n`);

rmSync('dist/cli', { recursive: true, force: true });
try {
  for (const entry of Array.isArray(config) ? config : [config]) {
    await build({
      ...entry,
      onLog(level, log) {
        if (level !== 'warn') return;
        if (entry.onLog) entry.onLog(level, log, (_level, kept) => report(kept));
        else report(log);
      },
    });
  }
} catch (err) {
  report(err instanceof Error ? err : { message: String(err) });
  process.exit(1);
}
