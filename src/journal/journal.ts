import type { VerifiedBy } from '../core/content-check.js';
import type { HashKind } from '../core/hash-kind.js';
import type { JournalEntry } from '../core/types.js';
import type { VersionEnd, VersionLocation, VersionRecord } from '../core/versions.js';
import type { LogLevel } from '../log/log-level.js';

/** `interrupted`: the run stopped before it finished (killed, Ctrl+C, a crash); set by the next run that locks. */
export type RunOutcome = 'running' | 'ok' | 'partial' | 'aborted' | 'conflicts' | 'failed' | 'interrupted';

export interface RunCounts {
  downloaded: number;
  uploaded: number;
  moved: number;
  deleted: number;
  conflicts: number;
  failed: number;
  bytesDown: number;
  bytesUp: number;
}

export interface RunRecord extends RunCounts {
  id: number;
  command: string;
  direction: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: RunOutcome;
  message: string | null;
}

export interface EventRecord {
  id: number;
  runId: number;
  /** Unix ms. */
  at: number;
  level: LogLevel;
  message: string;
}

/**
 * The SQLite journal: what was last synced for every key, the run history and its events.
 * Every write is one small transaction that records an observed state (never an intention).
 */
export interface Journal {
  readonly path: string;
  loadEntries(): Promise<JournalEntry[]>;
  /** Every row in UTF-8 byte order of the key, a page at a time. */
  entryPages(): AsyncIterable<JournalEntry[]>;
  /** Bring the read copy entryPages prefers up to date after rows were written (a no-op when none were). */
  refreshSnapshot(): Promise<void>;
  /** The row of one key, or null. */
  getEntry(key: string): Promise<JournalEntry | null>;
  startRun(info: { command: string; direction: string }): Promise<number>;
  /**
   * Insert or replace the row for entry.key. Version history follows in the same transaction: when the hash changes,
   * the key's current version ends (as `ended` says; default: its bytes are gone) and a new one starts at
   * entry.syncedAt in entry.runId. With `check`, the key's file_checks row too, in the same transaction.
   */
  recordEntry(entry: JournalEntry, ended?: VersionEnd, check?: FileCheck): Promise<void>;
  /** The check recorded for `key` while it is about `remoteHash` (null when none is, or it is stale). */
  fileCheck(key: string, remoteHash: string): Promise<FileCheck | null>;
  /** Copies checked only by MD5 or size (their hash cannot be reproduced), in key order, current rows only. */
  unverifiedCopies(): Promise<UnverifiedCopy[]>;
  /**
   * `recordEntry` for several finished actions in one transaction (all or none): a sync commits its transfers in
   * small batches instead of one transaction per file. Each item must already be an observed, durable state.
   */
  recordSettled(items: readonly SettledEntry[]): Promise<void>;
  /**
   * Several rows in one transaction (all or none): for runs of actions that move no bytes (`record`), where one
   * transaction per row would dominate. Each entry must still be an observed state.
   */
  recordEntries(entries: readonly JournalEntry[]): Promise<void>;
  /** A rename: drop `fromKey` and write `entry`, atomically; fromKey's version ends as renamed (bytes under entry.key). */
  recordMove(fromKey: string, entry: JournalEntry): Promise<void>;
  /** Drop the row; the key's current version ends at `ended.at` in run `ended.runId` (default: now, bytes gone). */
  forget(key: string, ended?: VersionEnd & { at: number; runId: number }): Promise<void>;

  /** The key's current version (its journal row's bytes), or null. */
  currentVersion(key: string): Promise<VersionRecord | null>;
  /** Add a version that was never current in the journal (an unrecorded local edit kept by a conflict, old trash). */
  keepVersion(version: Omit<VersionRecord, 'id'>): Promise<void>;
  /** Every version of a key, newest first. */
  listVersions(key: string): Promise<VersionRecord[]>;
  /** The version of every key under `prefix` that was current at `at` (Unix ms), in key order. */
  versionsAt(at: number, prefix: string): Promise<VersionRecord[]>;
  /** Every version (any key) with these bytes. */
  versionsWithHash(hash: string): Promise<VersionRecord[]>;
  /**
   * Ended versions whose bytes are still kept (location store, bucket-trash or pruning): what retention looks at.
   * With `endedBy` (Unix ms): only those that ended by then, and those left `pruning`.
   */
  versionsHoldingBytes(endedBy?: number): Promise<VersionRecord[]>;
  setVersionLocation(ids: readonly number[], location: VersionLocation): Promise<void>;
  versionStats(): Promise<VersionStats>;
  /** How many versions each of these runs ended. */
  versionsEndedBy(runIds: readonly number[]): Promise<Map<number, number>>;
  /** The mass-change guard refused this run, or an override let it exceed the configured limits. */
  markRunFlagged(runId: number): Promise<void>;
  flaggedRuns(): Promise<number[]>;
  getRun(id: number): Promise<RunRecord | null>;
  addEvent(runId: number, level: LogLevel, message: string): Promise<void>;
  finishRun(runId: number, outcome: RunOutcome, counts: RunCounts, message?: string): Promise<void>;
  /**
   * Close the rows of runs that never finished as `interrupted`. Only under the run lock: then no run is live.
   * Returns how many.
   */
  markInterruptedRuns(): Promise<number>;
  lastRun(): Promise<RunRecord | null>;
  listRuns(limit: number): Promise<RunRecord[]>;
  /** A run's events, oldest first. */
  listEvents(runId: number): Promise<EventRecord[]>;

  /**
   * Start (or restart) tracking a multipart upload. Replaces any session already kept for the same
   * (key, localPath) and any row with the same uploadId, together with their parts.
   */
  saveUploadSession(session: UploadSessionInfo): Promise<void>;
  /** The session kept for this (key, localPath) with its finished parts (sorted by partNumber), or null. */
  loadUploadSession(key: string, localPath: string): Promise<UploadSessionRecord | null>;
  /** A part the server acknowledged. Ignored when the session was dropped meanwhile (nothing could use it). */
  recordUploadPart(uploadId: string, part: UploadPartRecord): Promise<void>;
  /** Forget a session and its parts (completed, aborted, or unknown to the server). No-op when absent. */
  dropUploadSession(uploadId: string): Promise<void>;
  /** Drop sessions whose upload id expired at or before `nowSeconds` (Unix s); returns how many. */
  pruneUploadSessions(nowSeconds: number): Promise<number>;

  /**
   * Copy the journal to its last good copy (`last-good.ts`) with SQLite's online backup API: after a run that
   * finished, when this connection wrote file rows or there is no copy yet (a no-op run copies nothing). Returns
   * whether it copied.
   */
  keepLastGoodCopy(): Promise<boolean>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface VersionStats {
  /** Every version the journal knows, current ones included. */
  versions: number;
  /** Ended versions whose bytes are kept (local store or bucket's trash). */
  kept: number;
  /** Distinct files (by hash) the local store should hold, and their bytes. */
  storeFiles: number;
  storeBytes: number;
  trashObjects: number;
  trashBytes: number;
}

/** One finished action as `recordEntry` takes it. */
export interface SettledEntry {
  entry: JournalEntry;
  ended?: VersionEnd;
  check?: FileCheck;
}

/** How the local copy of one object version was checked (migration 004). */
export interface FileCheck {
  /** The object version (hash) this is about. */
  remoteHash: string;
  hashKind: HashKind;
  verifiedBy: VerifiedBy;
  /** qetag of the local bytes, when known. */
  localQetag: string | null;
  /** scheme://host of the origin that served the download; null when the copy was not downloaded. */
  servedBy: string | null;
}

export interface UnverifiedCopy {
  key: string;
  path: string;
  verifiedBy: VerifiedBy;
  hashKind: HashKind;
}

/** What identifies a multipart upload in progress and the local file version it is sending. */
export interface UploadSessionInfo {
  key: string;
  /** Absolute path of the local file being uploaded. */
  localPath: string;
  /** size + mtime of the file when the session started: a resumed upload must check the file is unchanged. */
  localSize: number;
  localMtimeMs: number;
  /** qetag of the file when the session started, when the caller computed it. */
  localQetag?: string | null;
  uploadId: string;
  partSize: number;
  /** Unix seconds after which the server forgets the upload id. */
  expireAt: number;
}

export interface UploadPartRecord {
  partNumber: number;
  etag: string;
  size: number;
}

export interface UploadSessionRecord extends UploadSessionInfo {
  localQetag: string | null;
  /** Unix ms when the session was saved. */
  createdAt: number;
  parts: UploadPartRecord[];
}
