import type { Kysely } from 'kysely';

/**
 * Multipart uploads in progress, so a killed run resumes a big upload without resending the parts the server already
 * has. A session belongs to one (key, local path) pair; its parts go with it (ON DELETE CASCADE).
 *
 * Frozen in time: never edit once released; `Kysely<any>` on purpose.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('upload_sessions')
    .addColumn('upload_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('local_path', 'text', (c) => c.notNull())
    .addColumn('local_size', 'integer', (c) => c.notNull())
    .addColumn('local_mtime_ms', 'real', (c) => c.notNull())
    .addColumn('local_qetag', 'text')
    .addColumn('part_size', 'integer', (c) => c.notNull())
    // Unix seconds, as the server reports it.
    .addColumn('expire_at', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('upload_sessions_key_local_path', ['key', 'local_path'])
    .execute();

  await db.schema
    .createTable('upload_parts')
    .addColumn('upload_id', 'text', (c) => c.notNull().references('upload_sessions.upload_id').onDelete('cascade'))
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('upload_parts_pk', ['upload_id', 'part_number'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('upload_parts').execute();
  await db.schema.dropTable('upload_sessions').execute();
}
