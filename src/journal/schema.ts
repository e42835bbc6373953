import type { ColumnType, Generated } from 'kysely';

/**
 * The journal's tables as of the latest migration (migrations/), in kysely's terms. Column names are the SQL names;
 * `open-journal.ts` maps rows to the camelCase types of `journal.ts`.
 *
 * Times are Unix milliseconds unless the column says otherwise.
 */
export interface Database {
  files: FilesTable;
  runs: RunsTable;
  events: EventsTable;
  upload_sessions: UploadSessionsTable;
  upload_parts: UploadPartsTable;
  files_snapshot: FilesSnapshotTable;
  files_snapshot_state: FilesSnapshotStateTable;
  file_checks: FileChecksTable;
  region_cache: RegionCacheTable;
  versions: VersionsTable;
}

/** Every version of every key (migrations/005-versions.ts); the current one has until_at null. */
export interface VersionsTable {
  id: Generated<number>;
  key: string;
  hash: string;
  fsize: number;
  put_time: ColumnType<number, bigint, bigint>;
  since_at: number;
  since_run: number;
  until_at: number | null;
  until_run: number | null;
  origin: string | null;
  location: string;
  trash_key: string | null;
}

/** One row per key: the state observed after the last action that succeeded on it. */
export interface FilesTable {
  key: string;
  path: string;
  remote_hash: string;
  fsize: number;
  /** 100 ns units, often above 2^53: written as a BigInt so SQLite stores an exact integer; read back as a number. */
  put_time: ColumnType<number, bigint, bigint>;
  local_size: number;
  /** Exactly the double `fs.stat` reported (REAL). */
  local_mtime_ms: number;
  synced_at: number;
  run_id: number;
}

export interface RunsTable {
  id: Generated<number>;
  command: string;
  direction: string;
  started_at: number;
  finished_at: number | null;
  /** A `RunOutcome`; 'running' until finishRun. */
  outcome: ColumnType<string, string | undefined, string>;
  message: string | null;
  downloaded: Generated<number>;
  uploaded: Generated<number>;
  moved: Generated<number>;
  deleted: Generated<number>;
  conflicts: Generated<number>;
  failed: Generated<number>;
  bytes_down: Generated<number>;
  bytes_up: Generated<number>;
  /** 1: the mass-change guard refused the run or an override let it exceed the limits (migration 005). */
  guard_flagged: Generated<number>;
}

export interface EventsTable {
  id: Generated<number>;
  run_id: number;
  at: number;
  /** A `LogLevel`. */
  level: string;
  message: string;
}

/** A multipart upload in progress; unique per (key, local_path). */
export interface UploadSessionsTable {
  upload_id: string;
  key: string;
  local_path: string;
  local_size: number;
  local_mtime_ms: number;
  local_qetag: string | null;
  part_size: number;
  /** Unix seconds, as the server reports it. */
  expire_at: number;
  created_at: number;
}

export interface UploadPartsTable {
  upload_id: string;
  part_number: number;
  etag: string;
  size: number;
}

/** A read copy of `files` in key order, a JSON `EntryPage` per row (see entry-row.ts), valid only with a state row. */
export interface FilesSnapshotTable {
  page: number;
  body: string;
}

/** One row (one = 1) while files_snapshot is complete and current; every write to `files` deletes it (triggers). */
export interface FilesSnapshotStateTable {
  one: number;
  pages: number;
  rows: number;
}

/** How the local copy of `remote_hash` was checked (migration 004); stale once `files` holds another hash for the key. */
export interface FileChecksTable {
  key: string;
  remote_hash: string;
  /** A `HashKind`. */
  hash_kind: string;
  /** A `VerifiedBy`. */
  verified_by: string;
  local_qetag: string | null;
  /** scheme://host of the download origin that served the copy; null when it was not downloaded. */
  served_by: string | null;
  checked_at: number;
}

/** The region query's answer per bucket, kept until `expires_at` (Unix ms). */
export interface RegionCacheTable {
  bucket: string;
  asked: string;
  answer: string;
  fetched_at: number;
  expires_at: number;
}
