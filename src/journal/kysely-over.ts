import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database as Schema } from './schema.js';

/**
 * A kysely instance over an open better-sqlite3 connection, kysely loaded on demand: its ~280 modules take ~130 ms to
 * load, a sixth of a no-op sync of 100k files, and a run that finds its journal migrated needs none of it.
 * Destroying the instance closes the connection.
 */
export async function kyselyOver(sqlite: BetterSqlite3.Database): Promise<Kysely<Schema>> {
  const { Kysely: KyselyClass, SqliteDialect } = await import('kysely');
  return new KyselyClass<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
}
