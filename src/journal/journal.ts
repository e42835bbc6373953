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

/**
 * The SQLite journal: what was last synced for every key, the run history and its events.
 * Every write is one small transaction that records an observed state (never an intention).
 */
export interface Journal {
  readonly path: string;
  loadEntries(): Promise<JournalEntry[]>;
  countEntries(): Promise<number>;
  startRun(info: { command: string; direction: string }): Promise<number>;
  /** Insert or replace the row for entry.key. */
  recordEntry(entry: JournalEntry): Promise<void>;
  /** A rename: drop `fromKey` and write `entry`, atomically. */
  recordMove(fromKey: string, entry: JournalEntry): Promise<void>;
  forget(key: string): Promise<void>;
  addEvent(runId: number, level: LogLevel, message: string): Promise<void>;
  finishRun(runId: number, outcome: RunOutcome, counts: RunCounts, message?: string): Promise<void>;
  lastRun(): Promise<RunRecord | null>;
  listRuns(limit: number): Promise<RunRecord[]>;
  close(): Promise<void>;
}
