import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';

/**
 * The region query's answer per bucket (table `region_cache`, migration 004), kept until it expires. Read and written
 * here on their own short connection, outside the run lock: the hosts are needed before the lock is taken (the
 * listing starts first, sync/prelist.ts), and a run that only reads (`status`) may fetch the answer too. Only this
 * table is touched, by one upsert; a journal file that does not exist yet (or predates the table) is left alone.
 */

/** How long a statement waits for another connection's write lock. */
const BUSY_TIMEOUT_MS = 5_000;

/** The cached answer (its text) for `bucket` asked as `asked`, when not expired at `nowMs`; null otherwise. */
export function readCachedRegion(file: string, bucket: string, asked: string, nowMs: number): string | null {
  if (!existsSync(file)) return null;
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!hasTable(sqlite)) return null;
    return selectCachedRegion(sqlite, bucket, asked, nowMs);
  } catch {
    // A damaged or locked journal only costs a fresh query; opening it for the run reports the damage.
    return null;
  } finally {
    sqlite.close();
  }
}

/** Keep `answer` for `bucket` until `expiresAtMs`. False when the journal does not exist yet (or has no such table). */
export function storeRegionAnswer(file: string, bucket: string, asked: string, answer: string, expiresAtMs: number): boolean {
  if (!existsSync(file)) return false;
  const sqlite = new Database(file, { fileMustExist: true });
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!hasTable(sqlite)) return false;
    upsertCachedRegion(sqlite, bucket, asked, answer, Date.now(), expiresAtMs);
    return true;
  } catch {
    return false;
  } finally {
    sqlite.close();
  }
}

function selectCachedRegion(sqlite: Database.Database, bucket: string, asked: string, nowMs: number): string | null {
  const row = sqlite
    .prepare<[string, string, number], { answer: string }>('select answer from region_cache where bucket = ? and asked = ? and expires_at > ?')
    .get(bucket, asked, nowMs);
  return row?.answer ?? null;
}

function upsertCachedRegion(sqlite: Database.Database, bucket: string, asked: string, answer: string, fetchedAtMs: number, expiresAtMs: number): void {
  sqlite
    .prepare(
      `insert into region_cache (bucket, asked, answer, fetched_at, expires_at) values (?, ?, ?, ?, ?)
       on conflict (bucket) do update set asked = excluded.asked, answer = excluded.answer, fetched_at = excluded.fetched_at,
         expires_at = excluded.expires_at`,
    )
    .run(bucket, asked, answer, fetchedAtMs, expiresAtMs);
}

function hasTable(sqlite: Database.Database): boolean {
  return sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = 'region_cache'`).get() !== undefined;
}
