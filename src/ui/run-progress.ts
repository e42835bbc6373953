import type { SyncEvent } from '../sync/execute-plan.js';

/** What the page draws of a run in progress: totals, speed, ETA and the files in flight. */
export interface ProgressSnapshot {
  files: number;
  filesDone: number;
  bytes: number;
  bytesDone: number;
  /** Bytes per second since the transfers began. */
  speed: number;
  /** Seconds left at that speed, null when unknown. */
  etaSeconds: number | null;
  inFlight: { key: string; bytes: number; bytesDone: number }[];
}

/** Folds the engine's events (the same ones the CLI's bars draw) into a snapshot. */
export function createRunProgress(now: () => number = Date.now) {
  let started = 0;
  let files = 0;
  let filesDone = 0;
  let bytes = 0;
  let bytesDone = 0;
  const inFlight = new Map<string, { bytes: number; bytesDone: number }>();
  return {
    onEvent(e: SyncEvent): void {
      switch (e.type) {
        case 'start':
          started = now();
          files = e.files;
          bytes = e.bytes;
          return;
        case 'action-start':
          inFlight.set(e.action.key, { bytes: e.bytes, bytesDone: 0 });
          return;
        case 'bytes': {
          bytesDone += e.n;
          const file = inFlight.get(e.key);
          if (file) file.bytesDone += e.n;
          return;
        }
        case 'action-end':
          filesDone++;
          inFlight.delete(e.action.key);
          return;
      }
    },
    /** Counted without a `start` event (a restore of several files). */
    setTotals(totalFiles: number, totalBytes: number): void {
      started = now();
      files = totalFiles;
      bytes = totalBytes;
    },
    fileDone(n: number): void {
      filesDone++;
      bytesDone += n;
    },
    snapshot(): ProgressSnapshot {
      const seconds = started ? Math.max(0.001, (now() - started) / 1000) : 0;
      const speed = seconds ? bytesDone / seconds : 0;
      const left = Math.max(0, bytes - bytesDone);
      return {
        files,
        filesDone,
        bytes,
        bytesDone,
        speed,
        etaSeconds: speed > 0 ? left / speed : left === 0 && started ? 0 : null,
        inFlight: [...inFlight].map(([key, f]) => ({ key, ...f })),
      };
    },
  };
}
