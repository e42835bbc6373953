import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { migrations, StaticMigrationProvider } from '../../migrations/index.js';
import { emptyJournal } from './empty-journal.js';
import { corruptJournalError, isCorruptionError } from './last-good.js';
import type { Journal } from './journal.js';
import { kyselyOver } from './kysely-over.js';
import type { Database as Schema } from './schema.js';
import { SqliteJournal } from './sqlite-journal.js';

/** The migration that adds files_snapshot (see migrations/003-files-snapshot.ts). */
const SNAPSHOT_MIGRATION = '003-files-snapshot';
/** The migration that adds version history (see migrations/005-versions.ts). */
const VERSIONS_MIGRATION = '005-versions';
/** The migration that adds file_checks and region_cache (migrations/004-file-checks.ts). */
const CHECKS_MIGRATION = '004-file-checks';

/** How long a statement waits for another connection's lock (e.g. `qjournal log` reading while a sync commits). */
const BUSY_TIMEOUT_MS = 5_000;

export interface OpenJournalOptions {
  /**
   * Read only (`status`, `log`, dry runs): nothing is created, migrated or written. A missing file reads as an empty
   * journal; every write method throws.
   */
  readonly?: boolean;
}

/**
 * Open (creating and migrating as needed) the journal at `file`.
 *
 * Throws a clear Error when a migration fails or the file was written by a newer qjournal (a schema migration this
 * build does not know); a JournalCorruptError when the file is not a database or is damaged.
 */
export async function openJournal(file: string, opts: OpenJournalOptions = {}): Promise<Journal> {
  return opts.readonly ? openReadonly(file) : openWritable(file);
}

async function openWritable(file: string): Promise<Journal> {
  await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma('journal_mode = WAL');
    // With WAL, NORMAL syncs the WAL only at checkpoints, not at every commit. A power loss or OS crash can then lose
    // the last few commits but never corrupts the file (WAL frames are checksummed; a torn tail is discarded). For us a
    // lost row only means the next run re-checks (hashes) that file and records it again: we journal observed states,
    // never intentions, so an older row is still a true statement. That trade buys ~one fsync per action.
    sqlite.pragma('synchronous = NORMAL');
    // Checkpoint every ~40 MB of WAL instead of ~4 MB: fewer fsyncs and page rewrites when a run records row after row
    // (measured ~30 % faster for 100k single-row commits). The WAL is capped on disk and removed on close anyway.
    sqlite.pragma('wal_autocheckpoint = 10000');
    sqlite.pragma(`journal_size_limit = ${64 * 2 ** 20}`);
    sqlite.pragma('foreign_keys = ON');
    const applied = assertKnownSchema(sqlite, file);
    const db = Object.keys(migrations).every((name) => applied.includes(name)) ? undefined : await migrate(sqlite, file);
    return new SqliteJournal(file, sqlite, db, { readonly: false, hasSnapshot: true, hasVersions: true, hasChecks: true });
  } catch (err) {
    if (sqlite.open) sqlite.close();
    throw asJournalError(file, err);
  }
}

async function openReadonly(file: string): Promise<Journal> {
  // `status` and `log` must not even create the file (nor its folder).
  if (!existsSync(file)) return emptyJournal(file);
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const applied = assertKnownSchema(sqlite, file);
    // A file that was never migrated (created by someone else, or a run that died inside the first migration) holds
    // no rows yet. An older schema (pending migrations) is read as it is: only a writable open migrates.
    if (applied.length === 0) {
      sqlite.close();
      return emptyJournal(file);
    }
    return new SqliteJournal(file, sqlite, undefined, {
      readonly: true,
      hasSnapshot: applied.includes(SNAPSHOT_MIGRATION),
      hasVersions: applied.includes(VERSIONS_MIGRATION),
      hasChecks: applied.includes(CHECKS_MIGRATION),
    });
  } catch (err) {
    if (sqlite.open) sqlite.close();
    throw asJournalError(file, err);
  }
}

/** Apply the pending migrations (kysely's Migrator: one at a time, each in a transaction, recorded in kysely_migration). */
async function migrate(sqlite: Database.Database, file: string): Promise<Kysely<Schema>> {
  const db = await kyselyOver(sqlite);
  const { Migrator } = await import('kysely');
  // migrateToLatest() never throws: the failure is in `.error`.
  const { error, results } = await new Migrator({
    db,
    provider: new StaticMigrationProvider(migrations),
    // Numbers are handed out to work landing in parallel: a journal may have 005 applied before 004 exists in a build.
    // Each migration touches only its own tables and columns, so applying a lower number later is safe.
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`journal ${file}: ${failed ? `migration "${failed}" failed` : 'cannot migrate'}: ${messageOf(error)}`, { cause: error });
  }
  return db;
}

/**
 * The migrations already applied to the file (empty for a new file). Throws when the file knows a migration this build
 * does not: it was written by a newer qjournal, and writing to (or even trusting a read of) it could lose data.
 */
function assertKnownSchema(sqlite: Database.Database, file: string): string[] {
  const table = sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get();
  if (table === undefined) return [];
  const applied = (sqlite.prepare('select name from kysely_migration order by name').pluck().all() as string[]) ?? [];
  const unknown = applied.filter((name) => !Object.hasOwn(migrations, name));
  if (unknown.length > 0) {
    throw new Error(
      `journal ${file} was written by a newer qjournal (unknown schema migration ${unknown.map((n) => `"${n}"`).join(', ')}); ` +
        'upgrade qjournal to use this journal',
    );
  }
  return applied;
}

function asJournalError(file: string, err: unknown): Error {
  if (isCorruptionError(err)) return corruptJournalError(file, err);
  if (err instanceof Error && err.message.startsWith(`journal ${file}`)) return err;
  return new Error(`journal ${file}: ${messageOf(err)}`, { cause: err });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
