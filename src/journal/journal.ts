import type { JournalEntry } from '../core/types.js';
import type { LogLevel } from '../config/config.js';

export type RunOutcome = 'running' | 'ok' | 'partial' | 'aborted' | 'conflicts' | 'failed';

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
  countEntries(): Promise<number>;
  startRun(info: { command: string; direction: string }): Promise<number>;
  /** Insert or replace the row for entry.key. */
  recordEntry(entry: JournalEntry): Promise<void>;
  /**
   * Several rows in one transaction (all or none): for runs of actions that move no bytes (`record`), where one
   * transaction per row would dominate. Each entry must still be an observed state.
   */
  recordEntries(entries: readonly JournalEntry[]): Promise<void>;
  /** A rename: drop `fromKey` and write `entry`, atomically. */
  recordMove(fromKey: string, entry: JournalEntry): Promise<void>;
  forget(key: string): Promise<void>;
  addEvent(runId: number, level: LogLevel, message: string): Promise<void>;
  finishRun(runId: number, outcome: RunOutcome, counts: RunCounts, message?: string): Promise<void>;
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

  /** `PRAGMA integrity_check`: 'ok' when the file is sound, otherwise the problems SQLite found, one per line. */
  integrityCheck(): Promise<string>;
  /** Idempotent. */
  close(): Promise<void>;
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
