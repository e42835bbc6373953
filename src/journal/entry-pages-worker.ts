// The worker thread behind `SqliteJournal.entryPages`: reads the rows in key order on its own read-only connection,
// inside one read transaction (a consistent view, even while a sync writes), so the SQLite work leaves the main thread.
import Database from 'better-sqlite3';
import { streamToMain, workerInput } from '../threads/worker-stream.js';
import { readEntryPages, type EntryPagesBatch } from './entry-pages.js';

export interface EntryPagesInput {
  file: string;
  busyTimeoutMs: number;
}

const { file, busyTimeoutMs } = workerInput<EntryPagesInput>();
streamToMain(() => pages(), (b) => ('numbers' in b ? [(b.numbers as Float64Array).buffer as ArrayBuffer] : []));

function* pages(): Generator<EntryPagesBatch> {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Deferred: the first select takes the read snapshot every later one sees; closing ends it.
    sqlite.exec('begin');
    yield* readEntryPages(sqlite, file);
  } finally {
    sqlite.close();
  }
}
