import type BetterSqlite3 from 'better-sqlite3';
import { ENTRIES_AFTER_SQL, FIRST_ENTRIES_SQL, pageFromJson, pageToJson, toPage, type EntryPage, type EntryRow } from './entry-row.js';

/** Rows per page, in the table and in files_snapshot alike. */
export const ENTRY_PAGE = 1000;

// One statement, so the state row and every page come from the same read (a statement sees one snapshot of the file
// for as long as it is stepped). No state row: no rows at all. A current copy of an empty table: one row, no body.
const SNAPSHOT_PAGES_SQL = `select s.pages, f.body from files_snapshot_state s left join files_snapshot f order by f.page`;

/**
 * The pages of files_snapshot while it is current, else null. Parsed here, page by page as they are taken; the
 * statement stays open (and the connection busy for other statements) until the pages run out or `return()` is called.
 */
export function snapshotPages(sqlite: BetterSqlite3.Database, file: string): Generator<EntryPage> | null {
  const rows = sqlite.prepare<[], [pages: number, body: string | null]>(SNAPSHOT_PAGES_SQL).raw(true).iterate();
  const first = rows.next();
  if (first.done) return null;
  return (function* () {
    try {
      const expected = first.value[0];
      let pages = 0;
      for (let row: IteratorResult<[number, string | null]> = first; !row.done && row.value[1] !== null; row = rows.next()) {
        pages++;
        yield pageFromJson(row.value[1]);
      }
      if (pages !== expected) throw new Error(`journal ${file}: its files snapshot has ${pages} of ${expected} pages`);
    } finally {
      rows.return?.();
    }
  })();
}

/** Every `files` row in key order from the table itself, by keyset pages (each its own read unless in a transaction). */
export function* tablePages(sqlite: BetterSqlite3.Database): Generator<EntryPage> {
  const first = sqlite.prepare<[number], EntryRow>(FIRST_ENTRIES_SQL).raw(true);
  const after = sqlite.prepare<[string, number], EntryRow>(ENTRIES_AFTER_SQL).raw(true);
  for (let last: string | null = null; ; ) {
    const rows: EntryRow[] = last === null ? first.all(ENTRY_PAGE) : after.all(last, ENTRY_PAGE);
    if (rows.length > 0) yield toPage(rows);
    if (rows.length < ENTRY_PAGE) return;
    last = rows[rows.length - 1][0];
  }
}

/** Rebuild files_snapshot from the table, in one transaction, unless it is current. */
export function refreshSnapshot(sqlite: BetterSqlite3.Database): void {
  sqlite.transaction(() => {
    if (sqlite.prepare('select 1 from files_snapshot_state').get() !== undefined) return;
    sqlite.prepare('delete from files_snapshot').run();
    const insert = sqlite.prepare<[number, string]>('insert into files_snapshot (page, body) values (?, ?)');
    let pages = 0;
    let rows = 0;
    for (const page of tablePages(sqlite)) {
      insert.run(pages++, pageToJson(page));
      rows += page.keys.length;
    }
    sqlite.prepare('insert into files_snapshot_state (one, pages, rows) values (1, ?, ?)').run(pages, rows);
  })();
}
