import type BetterSqlite3 from 'better-sqlite3';
import { existsSync, promises as fsp } from 'node:fs';
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { LogLevel } from '../log/log-level.js';
import type { VerifiedBy } from '../core/content-check.js';
import type { HashKind } from '../core/hash-kind.js';
import type { JournalEntry } from '../core/types.js';
import type { VersionEnd, VersionLocation, VersionRecord } from '../core/versions.js';
import { compiledWorker, streamFromWorker, type StreamWindow } from '../threads/worker-stream.js';
import { readonlyError } from './empty-journal.js';
import type {
  EventRecord,
  FileCheck,
  Journal,
  RunCounts,
  RunOutcome,
  RunRecord,
  SettledEntry,
  UnverifiedCopy,
  UploadPartRecord,
  UploadSessionInfo,
  UploadSessionRecord,
  VersionStats,
} from './journal.js';
import { prepareVersionStatements, toVersion, type VersionStatements } from './version-rows.js';
import { refreshSnapshot, snapshotPages, tablePages } from './entry-pages.js';
import { ENTRY_COLUMNS, fromPage, toEntry, type EntryPage, type EntryRow } from './entry-row.js';
import type { EntryPagesInput } from './entry-pages-worker.js';
import { kyselyOver } from './kysely-over.js';
import { lastGoodPath } from './last-good.js';
import type { Database as Schema, FileChecksTable, FilesTable, RunsTable } from './schema.js';

/** Pages the worker may read ahead of the caller. */
const ENTRY_PAGES_WINDOW: StreamWindow = { first: 4, steady: 4 };
const ENTRY_PAGES_WORKER = compiledWorker(import.meta.url, './entry-pages-worker.js');
/** Whether `entryPages` reads the table on a worker thread here (false when running from the TypeScript source). */
export const readsPagesOnWorkerThread = ENTRY_PAGES_WORKER !== null;

/**
 * The journal on one better-sqlite3 connection, opened by `openJournal`.
 *
 * Two ways to the same connection, on purpose:
 * - Per-key calls (loadEntries, recordEntry, recordMove, forget, addEvent, recordUploadPart) run on statements
 *   prepared once. A 100k-key sync calls them 100k times and kysely prepares the SQL again on every call: measured
 *   ~3× slower for recordEntry. So do the few calls every sync makes (startRun, finishRun, pruneUploadSessions) and
 *   `status` makes (lastRun): then a run with nothing to migrate never loads kysely (see kysely-over.ts).
 * - Statements that must commit together run inside better-sqlite3's synchronous `transaction()`, so no other call on
 *   this connection can slip in between them. (A kysely transaction spans awaits; a concurrent per-key call would run
 *   inside it and share its fate on rollback. So: no kysely transactions in this class.)
 * Everything rare goes through kysely, typed by `schema.ts`.
 */
export class SqliteJournal implements Journal {
  #closed = false;
  /** This connection wrote or removed file rows (the last good copy is then behind). */
  #wroteFiles = false;
  #reads?: ReturnType<typeof prepareReads>;
  #writes?: ReturnType<typeof prepareWrites>;
  #versions?: VersionStatements;
  #db?: Promise<Kysely<Schema>>;

  constructor(
    readonly path: string,
    private readonly sqlite: BetterSqlite3.Database,
    /** The kysely instance over `sqlite` if one was made already (to migrate); else made on first need. */
    db: Kysely<Schema> | undefined,
    /** hasSnapshot: the file has files_snapshot (migration 003); a read-only open of an older file does not. */
    private readonly opts: { readonly: boolean; hasSnapshot: boolean; hasVersions?: boolean; hasChecks?: boolean },
  ) {
    if (db) this.#db = Promise.resolve(db);
  }

  /**
   * One select of every row, as plain objects of a single shape. Rows are streamed (`iterate`) rather than fetched
   * with `all()`: each raw row array dies young instead of a million of them living at once (measured 2× faster at
   * 1M rows, equal at 100k).
   */
  async loadEntries(): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for (const r of this.reads().selectEntries.iterate()) entries.push(toEntry(r));
    return entries;
  }

  /**
   * From files_snapshot while it is current, parsed on this thread (~35 ms per 100k rows); else from the table, on a
   * worker thread with its own read-only connection when the compiled worker is there, in-thread otherwise (running
   * from the TypeScript source). Either way one consistent read. See entry-pages.ts.
   */
  async *entryPages(): AsyncIterable<JournalEntry[]> {
    const snapshot = this.opts.hasSnapshot ? snapshotPages(this.sqlite, this.path) : null;
    const pages =
      snapshot ??
      (ENTRY_PAGES_WORKER === null
        ? tablePages(this.sqlite)
        : streamFromWorker<EntryPage>(ENTRY_PAGES_WORKER, { ...this.workerInput() }, ENTRY_PAGES_WINDOW));
    try {
      for await (const page of pages) yield fromPage(page);
    } finally {
      // An early stop must end the snapshot's statement: it keeps the connection busy while open.
      await pages.return?.(undefined);
    }
  }

  /** Rebuild the files snapshot that entryPages reads, unless it is current (a run that wrote no row). */
  async refreshSnapshot(): Promise<void> {
    this.assertWritable();
    refreshSnapshot(this.sqlite);
  }

  async getEntry(key: string): Promise<JournalEntry | null> {
    const row = this.sqlite.prepare<[string], EntryRow>(`select ${ENTRY_COLUMNS} from files where key = ?`).raw(true).get(key);
    return row ? toEntry(row) : null;
  }

  async recordEntry(entry: JournalEntry, ended?: VersionEnd, check?: FileCheck): Promise<void> {
    this.recordBatch([{ entry, ended, check }]);
  }

  async recordSettled(items: readonly SettledEntry[]): Promise<void> {
    this.recordBatch(items);
  }

  private recordBatch(items: readonly SettledEntry[]): void {
    this.#wroteFiles = true;
    const w = this.writes();
    const v = this.versionRows();
    this.sqlite.transaction(() => {
      for (const { entry, ended, check } of items) {
        v.transition(entry.key, versionOf(entry), entry.syncedAt, entry.runId, ended);
        w.upsertEntry.run(entryParams(entry));
        if (check) {
          w.upsertCheck.run({
            key: entry.key,
            remote_hash: check.remoteHash,
            hash_kind: check.hashKind,
            verified_by: check.verifiedBy,
            local_qetag: check.localQetag,
            served_by: check.servedBy,
            checked_at: Date.now(),
          });
        }
      }
    })();
  }

  async fileCheck(key: string, remoteHash: string): Promise<FileCheck | null> {
    if (!this.opts.hasChecks) return null;
    const row = this.reads().fileCheck.get(key, remoteHash);
    return row ? toFileCheck(row) : null;
  }

  async unverifiedCopies(): Promise<UnverifiedCopy[]> {
    if (!this.opts.hasChecks) return [];
    return this.reads()
      .unverified.all()
      .map((r) => ({ key: r.key, path: r.path, verifiedBy: r.verified_by as VerifiedBy, hashKind: r.hash_kind as HashKind }));
  }

  async recordEntries(entries: readonly JournalEntry[]): Promise<void> {
    this.#wroteFiles = true;
    const upsert = this.writes().upsertEntry;
    const v = this.versionRows();
    this.sqlite.transaction(() => {
      for (const e of entries) {
        v.transition(e.key, versionOf(e), e.syncedAt, e.runId, undefined);
        upsert.run(entryParams(e));
      }
    })();
  }

  async recordMove(fromKey: string, entry: JournalEntry): Promise<void> {
    this.#wroteFiles = true;
    const w = this.writes();
    const v = this.versionRows();
    this.sqlite.transaction(() => {
      if (fromKey !== entry.key) v.transition(fromKey, null, entry.syncedAt, entry.runId, { origin: 'renamed', location: 'root' });
      v.transition(entry.key, versionOf(entry), entry.syncedAt, entry.runId, undefined);
      w.deleteEntry.run(fromKey);
      w.upsertEntry.run(entryParams(entry));
    })();
  }

  async forget(key: string, ended?: VersionEnd & { at: number; runId: number }): Promise<void> {
    this.#wroteFiles = true;
    const w = this.writes();
    const v = this.versionRows();
    this.sqlite.transaction(() => {
      v.transition(key, null, ended?.at ?? Date.now(), ended?.runId ?? 0, ended);
      w.deleteEntry.run(key);
    })();
  }

  async currentVersion(key: string): Promise<VersionRecord | null> {
    if (!this.opts.hasVersions) return null;
    const row = this.versionStatements().current.get(key);
    return row ? toVersion(row) : null;
  }

  async keepVersion(version: Omit<VersionRecord, 'id'>): Promise<void> {
    this.versionRows().keep(version);
  }

  async listVersions(key: string): Promise<VersionRecord[]> {
    return this.opts.hasVersions ? this.versionStatements().list.all(key).map(toVersion) : [];
  }

  async versionsAt(at: number, prefix: string): Promise<VersionRecord[]> {
    if (!this.opts.hasVersions) return [];
    const out: VersionRecord[] = [];
    for (const row of this.versionStatements().at.iterate(at, at)) if (row.key.startsWith(prefix)) out.push(toVersion(row));
    return out;
  }

  async versionsWithHash(hash: string): Promise<VersionRecord[]> {
    return this.opts.hasVersions ? this.versionStatements().withHash.all(hash).map(toVersion) : [];
  }

  async versionsHoldingBytes(endedBy = Number.MAX_SAFE_INTEGER): Promise<VersionRecord[]> {
    return this.opts.hasVersions ? this.versionStatements().holdingBytes.all(endedBy).map(toVersion) : [];
  }

  async setVersionLocation(ids: readonly number[], location: VersionLocation): Promise<void> {
    const set = this.versionRows().setLocation;
    this.sqlite.transaction(() => {
      for (const id of ids) set.run(location, id);
    })();
  }

  async versionStats(): Promise<VersionStats> {
    if (!this.opts.hasVersions) return { versions: 0, kept: 0, storeFiles: 0, storeBytes: 0, trashObjects: 0, trashBytes: 0 };
    return this.versionStatements().stats();
  }

  async versionsEndedBy(runIds: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (!this.opts.hasVersions) return out;
    const q = this.versionStatements().endedBy;
    for (const id of runIds) out.set(id, q.get(id)!.n);
    return out;
  }

  async markRunFlagged(runId: number): Promise<void> {
    this.versionRows().flag.run(runId);
  }

  async flaggedRuns(): Promise<number[]> {
    return this.opts.hasVersions ? this.versionStatements().flagged.all().map((r) => r.id) : [];
  }

  async getRun(id: number): Promise<RunRecord | null> {
    const row = this.sqlite.prepare<[number], Selectable<RunsTable>>('select * from runs where id = ?').get(id);
    return row ? toRunRecord(row) : null;
  }

  async startRun(info: { command: string; direction: string }): Promise<number> {
    const { lastInsertRowid } = this.writes().insertRun.run({ command: info.command, direction: info.direction, started_at: Date.now() });
    return Number(lastInsertRowid);
  }

  async addEvent(runId: number, level: LogLevel, message: string): Promise<void> {
    this.writes().insertEvent.run({ run_id: runId, at: Date.now(), level, message });
  }

  async finishRun(runId: number, outcome: RunOutcome, counts: RunCounts, message?: string): Promise<void> {
    const { changes } = this.writes().finishRun.run({
      id: runId,
      finished_at: Date.now(),
      outcome,
      message: message ?? null,
      downloaded: counts.downloaded,
      uploaded: counts.uploaded,
      moved: counts.moved,
      deleted: counts.deleted,
      conflicts: counts.conflicts,
      failed: counts.failed,
      bytes_down: counts.bytesDown,
      bytes_up: counts.bytesUp,
    });
    if (changes === 0) throw new Error(`journal ${this.path}: no run ${runId} to finish`);
  }

  async markInterruptedRuns(): Promise<number> {
    return this.writes().markInterrupted.run().changes;
  }

  async lastRun(): Promise<RunRecord | null> {
    const row = this.reads().lastRun.get();
    return row ? toRunRecord(row) : null;
  }

  /** Newest first. */
  async listRuns(limit: number): Promise<RunRecord[]> {
    const rows = await (await this.db()).selectFrom('runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRunRecord);
  }

  async listEvents(runId: number): Promise<EventRecord[]> {
    const rows = await (await this.db())
      .selectFrom('events')
      .select(['id', 'run_id as runId', 'at', 'level', 'message'])
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ ...r, level: r.level as LogLevel }));
  }

  async saveUploadSession(s: UploadSessionInfo): Promise<void> {
    const w = this.writes();
    this.sqlite.transaction(() => {
      w.deleteSessionFor.run(s.key, s.localPath);
      w.deleteSession.run(s.uploadId);
      w.insertSession.run({
        upload_id: s.uploadId,
        key: s.key,
        local_path: s.localPath,
        local_size: s.localSize,
        local_mtime_ms: s.localMtimeMs,
        local_qetag: s.localQetag ?? null,
        part_size: s.partSize,
        expire_at: s.expireAt,
        created_at: Date.now(),
      });
    })();
  }

  async loadUploadSession(key: string, localPath: string): Promise<UploadSessionRecord | null> {
    const db = await this.db();
    const s = await db.selectFrom('upload_sessions').selectAll().where('key', '=', key).where('local_path', '=', localPath).executeTakeFirst();
    if (!s) return null;
    const parts = await db
      .selectFrom('upload_parts')
      .select(['part_number as partNumber', 'etag', 'size'])
      .where('upload_id', '=', s.upload_id)
      .orderBy('part_number')
      .execute();
    return {
      key: s.key,
      localPath: s.local_path,
      localSize: s.local_size,
      localMtimeMs: s.local_mtime_ms,
      localQetag: s.local_qetag,
      uploadId: s.upload_id,
      partSize: s.part_size,
      expireAt: s.expire_at,
      createdAt: s.created_at,
      parts,
    };
  }

  async recordUploadPart(uploadId: string, part: UploadPartRecord): Promise<void> {
    this.writes().upsertPart.run({ upload_id: uploadId, part_number: part.partNumber, etag: part.etag, size: part.size });
  }

  async dropUploadSession(uploadId: string): Promise<void> {
    this.writes().deleteSession.run(uploadId);
  }

  async pruneUploadSessions(nowSeconds: number): Promise<number> {
    return this.writes().pruneSessions.run(nowSeconds).changes;
  }

  async keepLastGoodCopy(): Promise<boolean> {
    this.assertWritable();
    const dest = lastGoodPath(this.path);
    if (!this.#wroteFiles && existsSync(dest)) return false;
    // Written beside and renamed: a run killed mid-copy leaves the previous copy whole.
    const tmp = `${dest}.tmp`;
    await fsp.rm(tmp, { force: true });
    await this.sqlite.backup(tmp);
    await fsp.rename(tmp, dest);
    this.#wroteFiles = false;
    return true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.opts.readonly) this.restInRollbackMode();
    // kysely's destroy closes the connection it was given.
    if (this.#db) await (await this.#db).destroy();
    else this.sqlite.close();
  }

  /**
   * Leave the file in rollback-journal mode at rest (the next writable open switches WAL on again). A read-only
   * connection to a WAL-mode file creates `-wal` and `-shm` beside it and leaves them behind; in rollback mode it
   * creates nothing, so `status` and `log` really write nothing. The switch also checkpoints and removes the WAL. It
   * fails while another connection is open (e.g. a `log` reading right now): then the file simply stays in WAL mode.
   */
  private restInRollbackMode(): void {
    try {
      this.sqlite.pragma('busy_timeout = 250');
      this.sqlite.pragma('journal_mode = DELETE');
    } catch {
      // Another connection holds the file: stay in WAL; nothing is lost either way.
    }
  }

  private assertWritable(): void {
    if (this.opts.readonly) throw readonlyError(this.path);
  }

  private workerInput(): EntryPagesInput {
    return { file: this.path, busyTimeoutMs: this.sqlite.pragma('busy_timeout', { simple: true }) as number };
  }

  private db(): Promise<Kysely<Schema>> {
    return (this.#db ??= kyselyOver(this.sqlite));
  }

  /** The version statements for a write (the file is migrated: writable opens always are). */
  private versionRows(): VersionStatements {
    this.assertWritable();
    return this.versionStatements();
  }

  private versionStatements(): VersionStatements {
    return (this.#versions ??= prepareVersionStatements(this.sqlite));
  }

  private reads() {
    return (this.#reads ??= prepareReads(this.sqlite));
  }

  private writes() {
    this.assertWritable();
    return (this.#writes ??= prepareWrites(this.sqlite));
  }
}

function prepareReads(sqlite: BetterSqlite3.Database) {
  let fileCheck: BetterSqlite3.Statement<[string, string], Selectable<FileChecksTable>> | undefined;
  let unverified: BetterSqlite3.Statement<[], { key: string; path: string; verified_by: string; hash_kind: string }> | undefined;
  return {
    // raw(true): arrays, mapped to object literals of one shape (cheaper to build here, monomorphic in the planner).
    selectEntries: sqlite
      .prepare<[], EntryRow>(`select ${ENTRY_COLUMNS} from files`)
      .raw(true),
    lastRun: sqlite.prepare<[], Selectable<RunsTable>>('select * from runs order by id desc limit 1'),
    // Prepared on first use only: a read-only open of a journal from before migration 004 has no file_checks.
    get fileCheck() {
      return (fileCheck ??= sqlite.prepare<[string, string], Selectable<FileChecksTable>>('select * from file_checks where key = ? and remote_hash = ?'));
    },
    get unverified() {
      return (unverified ??= sqlite.prepare<[], { key: string; path: string; verified_by: string; hash_kind: string }>(
        `select c.key, f.path, c.verified_by, c.hash_kind from file_checks c join files f on f.key = c.key and f.remote_hash = c.remote_hash
         where c.verified_by in ('md5', 'size') order by c.key`,
      ));
    },
  };
}

function prepareWrites(sqlite: BetterSqlite3.Database) {
  return {
    upsertEntry: sqlite.prepare<Insertable<FilesTable>>(
      `insert into files (key, path, remote_hash, fsize, put_time, local_size, local_mtime_ms, synced_at, run_id)
       values (@key, @path, @remote_hash, @fsize, @put_time, @local_size, @local_mtime_ms, @synced_at, @run_id)
       on conflict (key) do update set
         path = excluded.path, remote_hash = excluded.remote_hash, fsize = excluded.fsize, put_time = excluded.put_time,
         local_size = excluded.local_size, local_mtime_ms = excluded.local_mtime_ms, synced_at = excluded.synced_at,
         run_id = excluded.run_id`,
    ),
    deleteEntry: sqlite.prepare<[string]>('delete from files where key = ?'),
    upsertCheck: sqlite.prepare<Insertable<FileChecksTable>>(
      `insert into file_checks (key, remote_hash, hash_kind, verified_by, local_qetag, served_by, checked_at)
       values (@key, @remote_hash, @hash_kind, @verified_by, @local_qetag, @served_by, @checked_at)
       on conflict (key) do update set remote_hash = excluded.remote_hash, hash_kind = excluded.hash_kind,
         verified_by = excluded.verified_by, local_qetag = excluded.local_qetag, served_by = excluded.served_by,
         checked_at = excluded.checked_at`,
    ),
    insertRun: sqlite.prepare<Insertable<RunsTable>>('insert into runs (command, direction, started_at) values (@command, @direction, @started_at)'),
    finishRun: sqlite.prepare<Updateable<RunsTable> & { id: number }>(
      `update runs set finished_at = @finished_at, outcome = @outcome, message = @message, downloaded = @downloaded,
         uploaded = @uploaded, moved = @moved, deleted = @deleted, conflicts = @conflicts, failed = @failed,
         bytes_down = @bytes_down, bytes_up = @bytes_up
       where id = @id`,
    ),
    markInterrupted: sqlite.prepare<[]>(
      `update runs set outcome = 'interrupted', message = coalesce(message, '${INTERRUPTED_MESSAGE}') where outcome = 'running'`,
    ),
    pruneSessions: sqlite.prepare<[number]>('delete from upload_sessions where expire_at <= ?'),
    insertEvent: sqlite.prepare<{ run_id: number; at: number; level: string; message: string }>(
      'insert into events (run_id, at, level, message) values (@run_id, @at, @level, @message)',
    ),
    insertSession: sqlite.prepare<Insertable<Schema['upload_sessions']>>(
      `insert into upload_sessions (upload_id, key, local_path, local_size, local_mtime_ms, local_qetag, part_size, expire_at, created_at)
       values (@upload_id, @key, @local_path, @local_size, @local_mtime_ms, @local_qetag, @part_size, @expire_at, @created_at)`,
    ),
    // Parts cascade with their session (foreign_keys = ON).
    deleteSession: sqlite.prepare<[string]>('delete from upload_sessions where upload_id = ?'),
    deleteSessionFor: sqlite.prepare<[string, string]>('delete from upload_sessions where key = ? and local_path = ?'),
    // A part finishing after its session was dropped (e.g. the server forgot the upload id mid-flight) is ignored.
    upsertPart: sqlite.prepare<Insertable<Schema['upload_parts']>>(
      `insert into upload_parts (upload_id, part_number, etag, size)
       select @upload_id, @part_number, @etag, @size where exists (select 1 from upload_sessions where upload_id = @upload_id)
       on conflict (upload_id, part_number) do update set etag = excluded.etag, size = excluded.size`,
    ),
  };
}

/** What an interrupted run's row says (no quote: it is part of an SQL literal). */
export const INTERRUPTED_MESSAGE = 'stopped before it finished (killed, Ctrl+C or a crash)';

function entryParams(e: JournalEntry): Insertable<FilesTable> {
  return {
    key: e.key,
    path: e.path,
    remote_hash: e.remoteHash,
    fsize: e.fsize,
    // A BigInt binds as a 64-bit integer; a double above 2^53 would also be stored as one, but this says so.
    put_time: BigInt(Math.trunc(e.putTime)),
    local_size: e.localSize,
    local_mtime_ms: e.localMtimeMs,
    synced_at: e.syncedAt,
    run_id: e.runId,
  };
}

function versionOf(e: JournalEntry): { hash: string; fsize: number; putTime: number } {
  return { hash: e.remoteHash, fsize: e.fsize, putTime: e.putTime };
}

function toFileCheck(r: Selectable<FileChecksTable>): FileCheck {
  return {
    remoteHash: r.remote_hash,
    hashKind: r.hash_kind as HashKind,
    verifiedBy: r.verified_by as VerifiedBy,
    localQetag: r.local_qetag,
    servedBy: r.served_by,
  };
}

function toRunRecord(r: Selectable<RunsTable>): RunRecord {
  return {
    id: r.id,
    command: r.command,
    direction: r.direction,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome as RunOutcome,
    message: r.message,
    downloaded: r.downloaded,
    uploaded: r.uploaded,
    moved: r.moved,
    deleted: r.deleted,
    conflicts: r.conflicts,
    failed: r.failed,
    bytesDown: r.bytes_down,
    bytesUp: r.bytes_up,
  };
}
