// The worker thread behind `SqliteJournal.entryPages`: reads the files table in key order on its own read-only
// connection, so the SQLite stepping and row building (~300 ms per 100k rows here) leave the main thread.
import Database from 'better-sqlite3';
import { streamToMain, workerInput } from '../threads/worker-stream.js';
import { ENTRIES_AFTER_SQL, FIRST_ENTRIES_SQL, toPage, type EntryPage, type EntryRow } from './entry-row.js';

export interface EntryPagesInput {
  file: string;
  pageSize: number;
  busyTimeoutMs: number;
}

const { file, pageSize, busyTimeoutMs } = workerInput<EntryPagesInput>();
streamToMain(() => pages(), (p) => [p.numbers.buffer as ArrayBuffer]);

function* pages(): Generator<EntryPage> {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const first = sqlite.prepare<[number], EntryRow>(FIRST_ENTRIES_SQL).raw(true);
    const after = sqlite.prepare<[string, number], EntryRow>(ENTRIES_AFTER_SQL).raw(true);
    for (let last: string | null = null; ; ) {
      const rows: EntryRow[] = last === null ? first.all(pageSize) : after.all(last, pageSize);
      if (rows.length > 0) yield toPage(rows);
      if (rows.length < pageSize) return;
      last = rows[rows.length - 1][0];
    }
  } finally {
    sqlite.close();
  }
}
