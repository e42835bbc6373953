import type { Kysely } from 'kysely';

/**
 * Version history (point-in-time backup): every version of every key the journal has seen, with the runs it was
 * current in, what ended it and where its bytes went. The current version of a key is its row with `until_at` null
 * (at most one: a partial unique index). Existing `files` rows become current versions as of the run that wrote them.
 * Runs get `guard_flagged`: the mass-change guard refused the run, or a one-run override let it exceed the configured
 * limits (retention never prunes the version a key had before such a run).
 *
 * Frozen in time: never edit once released; `Kysely<any>` on purpose.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { sql } = await import('kysely');
  await db.schema
    .createTable('versions')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('fsize', 'integer', (c) => c.notNull())
    // 100 ns units, exact integer (as files.put_time).
    .addColumn('put_time', 'integer', (c) => c.notNull())
    // Unix ms of the run that first recorded it current, and that run's id (0: before history was kept).
    .addColumn('since_at', 'integer', (c) => c.notNull())
    .addColumn('since_run', 'integer', (c) => c.notNull())
    // When (and in which run) it stopped being current; null while current.
    .addColumn('until_at', 'integer')
    .addColumn('until_run', 'integer')
    // What ended it (remote-overwrite, remote-delete, local-edit, local-delete, conflict, renamed, ...); null while current.
    .addColumn('origin', 'text')
    // root (current) | store | bucket-trash | gone | pruning | pruned: where the bytes were put when it ended.
    .addColumn('location', 'text', (c) => c.notNull())
    // The bucket's trash key holding its bytes, when they were kept there.
    .addColumn('trash_key', 'text')
    .execute();
  await sql`create unique index versions_current on versions (key) where until_at is null`.execute(db);
  await db.schema.createIndex('versions_key_since').on('versions').columns(['key', 'since_at']).execute();
  await db.schema.createIndex('versions_hash').on('versions').column('hash').execute();
  await sql`create index versions_closed on versions (until_at) where until_at is not null`.execute(db);
  await sql`insert into versions (key, hash, fsize, put_time, since_at, since_run, location)
    select key, remote_hash, fsize, put_time, synced_at, run_id, 'root' from files`.execute(db);
  await db.schema.alterTable('runs').addColumn('guard_flagged', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('guard_flagged').execute();
  await db.schema.dropTable('versions').execute();
}
