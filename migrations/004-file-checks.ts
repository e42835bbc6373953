import type { Kysely } from 'kysely';

/**
 * What the journal knows about how each local copy was checked (issue #11), beside `files` rather than in it so the
 * hot read of `files` (and its snapshot pages) stays as it was:
 * - `file_checks`: per key, the hash kind of the object version `remote_hash`, how its local copy was verified
 *   (`qetag`, `etag-v2`, or for a hash no local computation reproduces `md5` / `size`: an "unverified" copy), the
 *   qetag of the local bytes (to recognise a touched copy of an etag-v2 or opaque object), and which download origin
 *   served it. A row is about `remote_hash` only: once `files` holds another hash for the key, the row is stale.
 * - `region_cache`: the answer of Kodo's region query per bucket, kept for its TTL (`region = auto`).
 *
 * Frozen in time: never edit once released; `Kysely<any>` on purpose.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { sql } = await import('kysely');
  await db.schema
    .createTable('file_checks')
    .addColumn('key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('remote_hash', 'text', (c) => c.notNull())
    .addColumn('hash_kind', 'text', (c) => c.notNull())
    .addColumn('verified_by', 'text', (c) => c.notNull())
    .addColumn('local_qetag', 'text')
    .addColumn('served_by', 'text')
    .addColumn('checked_at', 'integer', (c) => c.notNull())
    .execute();
  await sql`create index file_checks_unverified on file_checks (key) where verified_by in ('md5', 'size')`.execute(db);

  await db.schema
    .createTable('region_cache')
    .addColumn('bucket', 'text', (c) => c.primaryKey().notNull())
    // The query endpoint asked and the access key asked with: another one means another answer.
    .addColumn('asked', 'text', (c) => c.notNull())
    .addColumn('answer', 'text', (c) => c.notNull())
    // Unix ms.
    .addColumn('fetched_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('region_cache').execute();
  await db.schema.dropTable('file_checks').execute();
}
