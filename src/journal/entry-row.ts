import type { JournalEntry } from '../core/types.js';

/** A `files` row as better-sqlite3 returns it in raw mode, columns in ENTRY_COLUMNS order. */
export type EntryRow = [
  key: string,
  path: string,
  remoteHash: string,
  fsize: number,
  putTime: number,
  localSize: number,
  localMtimeMs: number,
  syncedAt: number,
  runId: number,
];

export const ENTRY_COLUMNS = 'key, path, remote_hash, fsize, put_time, local_size, local_mtime_ms, synced_at, run_id';

// Keyset pages on the primary key's index. Text compares bytewise (BINARY collation on UTF-8): Kodo's list order.
export const FIRST_ENTRIES_SQL = `select ${ENTRY_COLUMNS} from files order by key limit ?`;
export const ENTRIES_AFTER_SQL = `select ${ENTRY_COLUMNS} from files where key > ? order by key limit ?`;

export function toEntry(r: EntryRow): JournalEntry {
  return {
    key: r[0],
    // Path almost always equals the key: keep one string instead of two (tens of MB at a million rows).
    path: r[1] === r[0] ? r[0] : r[1],
    remoteHash: r[2],
    fsize: r[3],
    putTime: r[4],
    localSize: r[5],
    localMtimeMs: r[6],
    syncedAt: r[7],
    runId: r[8],
  };
}

/** Rows as columns, to cross threads as one structured clone of a few arrays instead of thousands of objects. */
export interface EntryPage {
  keys: string[];
  /** null: the same as the key (almost always). */
  paths: (string | null)[];
  remoteHashes: string[];
  /** fsize, putTime, localSize, localMtimeMs, syncedAt, runId: each row's six numbers in turn. */
  numbers: Float64Array | number[];
}

export function toPage(rows: readonly EntryRow[]): EntryPage {
  const page: EntryPage = { keys: [], paths: [], remoteHashes: [], numbers: new Float64Array(rows.length * 6) };
  let n = 0;
  for (const r of rows) {
    page.keys.push(r[0]);
    page.paths.push(r[1] === r[0] ? null : r[1]);
    page.remoteHashes.push(r[2]);
    for (let c = 3; c < 9; c++) page.numbers[n++] = r[c] as number;
  }
  return page;
}

/**
 * A page as the JSON text files_snapshot stores. Every value survives the round trip exactly: strings (any code point,
 * NUL included) are escaped, and numbers are written as the shortest text that parses back to the same double (a
 * putTime above 2^53 is the double SQLite handed us, as on the table path).
 */
export function pageToJson(page: EntryPage): string {
  return JSON.stringify({ keys: page.keys, paths: page.paths, remoteHashes: page.remoteHashes, numbers: Array.from(page.numbers) });
}

export function pageFromJson(body: string): EntryPage {
  return JSON.parse(body) as EntryPage;
}

export function fromPage(page: EntryPage): JournalEntry[] {
  const { keys, paths, remoteHashes, numbers: x } = page;
  const entries: JournalEntry[] = new Array(keys.length);
  for (let i = 0, n = 0; i < keys.length; i++, n += 6) {
    const key = keys[i];
    entries[i] = {
      key,
      path: paths[i] ?? key,
      remoteHash: remoteHashes[i],
      fsize: x[n],
      putTime: x[n + 1],
      localSize: x[n + 2],
      localMtimeMs: x[n + 3],
      syncedAt: x[n + 4],
      runId: x[n + 5],
    };
  }
  return entries;
}
