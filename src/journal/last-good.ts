import Database from 'better-sqlite3';
import { existsSync, promises as fsp, statSync } from 'node:fs';
import { JournalCorruptError } from '../errors.js';

/** The copy of the journal kept after each run that finished (SQLite's online backup API), beside the journal. */
export function lastGoodPath(journalFile: string): string {
  return `${journalFile}.last-good`;
}

/** SQLite's codes for a file that is not (or no longer) a sound database. */
const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

export function isCorruptionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && CORRUPT_CODES.has(e.code)) return true;
  }
  return false;
}

/** The error a damaged journal gets: what happened, and the ways forward. */
export function corruptJournalError(file: string, err: unknown): JournalCorruptError {
  const what = err instanceof Error ? err.message.replace(/^journal .*?: /, '') : String(err);
  const copy = lastGoodPath(file);
  const ways = existsSync(copy)
    ? `A copy from the end of the last finished run (${statSync(copy).mtime.toISOString()}) is at ${copy}: ` +
      `\`qjournal recover-journal\` puts it in place (the damaged file is kept beside it). ` +
      `Or delete the journal to rebuild it by hashing every file.`
    : 'There is no last good copy; delete the journal to rebuild it by hashing every file.';
  return new JournalCorruptError(`journal ${file} is damaged (${what}). ${ways}`, { cause: err });
}

/**
 * `recover-journal`: check the last good copy (it must open and pass integrity_check), move the damaged journal (and
 * its -wal/-shm) aside as `<journal>.corrupt-<stamp>`, and copy the last good copy into place. The caller holds the
 * run lock. Returns where the damaged file went (null when there was none).
 */
export async function recoverFromLastGood(file: string, stamp: string): Promise<{ movedTo: string | null; copiedFrom: string }> {
  const copy = lastGoodPath(file);
  if (!existsSync(copy)) throw new JournalCorruptError(`there is no last good copy of ${file} (${copy}); delete the journal to rebuild it by hashing`);
  const check = new Database(copy, { readonly: true, fileMustExist: true });
  try {
    const result = check.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new JournalCorruptError(`the last good copy ${copy} is damaged too (${String(result)}); delete the journal to rebuild it by hashing`);
  } finally {
    check.close();
  }
  let movedTo: string | null = null;
  if (existsSync(file)) {
    movedTo = `${file}.corrupt-${stamp}`;
    await fsp.rename(file, movedTo);
  }
  for (const side of ['-wal', '-shm']) {
    if (existsSync(file + side)) await fsp.rename(file + side, `${file}.corrupt-${stamp}${side}`);
  }
  const tmp = `${file}.recovering`;
  await fsp.copyFile(copy, tmp);
  const fh = await fsp.open(tmp, 'r+');
  await fh.sync().finally(() => fh.close());
  await fsp.rename(tmp, file);
  return { movedTo, copiedFrom: copy };
}
