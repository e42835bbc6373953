import type BetterSqlite3 from 'better-sqlite3';
import { ENTRIES_AFTER_SQL, FIRST_ENTRIES_SQL, pageFromJson, pageToJson, toPage, type EntryPage, type EntryRow } from './entry-row.js';

/** Rows per page, in the table and in files_snapshot alike. */
export const ENTRY_PAGE = 1000;

/** A page as read: columns from the table, or a snapshot page's JSON text (parsed by the receiver, see entryPagesOf). */
export type EntryPagesBatch = EntryPage | { json: string };

export function pageOf(batch: EntryPagesBatch): EntryPage {
  return 'json' in batch ? pageFromJson(batch.json) : batch;
}

/**
 * Every `files` row in key order, a page at a time: from files_snapshot while it is current (one small select says
 * so), else from the table by keyset pages. A caller that needs the pages to be one consistent read runs this inside a
 * read transaction (the worker does).
 */
export function* readEntryPages(sqlite: BetterSqlite3.Database, file: string): Generator<EntryPagesBatch> {
  const state = sqlite.prepare<[], { pages: number }>('select pages from files_snapshot_state').get();
  if (state !== undefined) {
    let pages = 0;
    for (const json of sqlite.prepare<[], string>('select body from files_snapshot order by page').pluck().iterate()) {
      pages++;
      yield { json };
    }
    if (pages !== state.pages) throw new Error(`journal ${file}: its files snapshot has ${pages} of ${state.pages} pages`);
    return;
  }
  const first = sqlite.prepare<[number], EntryRow>(FIRST_ENTRIES_SQL).raw(true);
  const after = sqlite.prepare<[string, number], EntryRow>(ENTRIES_AFTER_SQL).raw(true);
  for (let last: string | null = null; ; ) {
    const rows: EntryRow[] = last === null ? first.all(ENTRY_PAGE) : after.all(last, ENTRY_PAGE);
    if (rows.length > 0) yield toPage(rows);
    if (rows.length < ENTRY_PAGE) return;
    last = rows[rows.length - 1][0];
  }
}

/** Rebuild files_snapshot from the table, in one transaction, unless it is current. Returns whether it wrote. */
export function refreshSnapshot(sqlite: BetterSqlite3.Database): boolean {
  return sqlite.transaction(() => {
    if (sqlite.prepare('select 1 from files_snapshot_state').get() !== undefined) return false;
    sqlite.prepare('delete from files_snapshot').run();
    const insert = sqlite.prepare<[number, string]>('insert into files_snapshot (page, body) values (?, ?)');
    const first = sqlite.prepare<[number], EntryRow>(FIRST_ENTRIES_SQL).raw(true);
    const after = sqlite.prepare<[string, number], EntryRow>(ENTRIES_AFTER_SQL).raw(true);
    let pages = 0;
    let rows = 0;
    for (let last: string | null = null; ; ) {
      const page: EntryRow[] = last === null ? first.all(ENTRY_PAGE) : after.all(last, ENTRY_PAGE);
      if (page.length > 0) insert.run(pages++, pageToJson(page));
      rows += page.length;
      if (page.length < ENTRY_PAGE) break;
      last = page[page.length - 1][0];
    }
    sqlite.prepare('insert into files_snapshot_state (one, pages, rows) values (1, ?, ?)').run(pages, rows);
    return true;
  })();
}
