import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import { openJournal } from '../../journal/open-journal.js';
import { runsAsSeen } from '../../journal/run-liveness.js';
import { rootPaths } from '../../local/root-paths.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { humanBytes, localTime } from '../../core/human-units.js';

/** Run history straight from the journal (read-only; needs no credentials). */
export async function logCommand(flags: { config?: string; limit: string; json?: boolean }): Promise<ExitCode> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  const { config } = await loadConfig(resolveConfigPath(flags.config, process.env));
  const journal = await openJournal(config.journal.path, { readonly: true });
  try {
    const listed = await runsAsSeen(await journal.listRuns(limit), rootPaths(config.local.root).lockFile);
    // What each run replaced or removed: the versions it ended (their bytes kept, see `qjournal versions <key>`).
    const ended = await journal.versionsEndedBy(listed.map((r) => r.id));
    const runs = listed.map((r) => ({ ...r, replaced: ended.get(r.id) ?? 0 }));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ runs })}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) process.stdout.write('No runs yet.\n');
    for (const r of runs) {
      const when = localTime(r.startedAt);
      const took = r.finishedAt ? `${((r.finishedAt - r.startedAt) / 1000).toFixed(1)}s` : 'unfinished';
      process.stdout.write(
        `#${r.id} ${when} ${r.command} ${r.direction} ${r.outcome} (${took}): ${r.downloaded} down (${humanBytes(r.bytesDown)}), ` +
          `${r.uploaded} up (${humanBytes(r.bytesUp)}), ${r.moved} moved, ${r.deleted} deleted, ${r.conflicts} conflicts, ${r.failed} failed, ` +
          `${r.replaced} version(s) replaced` +
          `${r.message ? ` — ${r.message}` : ''}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await journal.close();
  }
}
