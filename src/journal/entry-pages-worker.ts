// The worker thread behind `SqliteJournal.entryPages` when the files snapshot is not current: reads the table in key
// order on its own read-only connection, in one read transaction (a consistent view, even while a sync writes), so
// stepping through the rows (~200 ms of CPU per 100k) leaves the main thread.
import Database from 'better-sqlite3';
import { streamToMain, workerInput } from '../threads/worker-stream.js';
import { tablePages } from './entry-pages.js';
import type { EntryPage } from './entry-row.js';

export interface EntryPagesInput {
  file: string;
  busyTimeoutMs: number;
}

const { file, busyTimeoutMs } = workerInput<EntryPagesInput>();
streamToMain(() => pages(), (p) => [(p.numbers as Float64Array).buffer as ArrayBuffer]);

function* pages(): Generator<EntryPage> {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Deferred: the first select takes the read snapshot every later one sees; closing ends it.
    sqlite.exec('begin');
    yield* tablePages(sqlite);
  } finally {
    sqlite.close();
  }
}
