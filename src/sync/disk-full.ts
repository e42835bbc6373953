import type { Action } from '../core/types.js';

/** ENOSPC from the file system, or SQLite's "database or disk is full". */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT';
}

/**
 * A run on a disk that filled up: once a download fails for lack of space, no new download starts (the ones in
 * flight finish or fail on their own), and the run ends saying how much the downloads left need.
 */
export class DiskFullStop {
  private full = false;
  private readonly left: Action[] = [];

  /** A failure: remembers a full disk (and the download it stopped). */
  noteFailure(action: Action, err: unknown): void {
    if (!isDiskFull(err)) return;
    this.full = true;
    if (needsLocalSpace(action)) this.left.push(action);
  }

  /** Whether to skip this action instead of starting it. */
  skips(action: Action): boolean {
    if (!this.full || !needsLocalSpace(action)) return false;
    this.left.push(action);
    return true;
  }

  /** The closing message, when the disk filled up. */
  summary(): string | null {
    if (!this.full) return null;
    const bytes = this.left.reduce((n, a) => n + (a.kind === 'download' || a.kind === 'keep-both' ? a.remote.fsize : 0), 0);
    return (
      `The disk is full: ${this.left.length} download(s) were not done; they need ${humanSize(bytes)} (${bytes} bytes) ` +
      'more free space. Free it and run again: the next run fetches what is missing.'
    );
  }
}

function needsLocalSpace(action: Action): boolean {
  return action.kind === 'download' || action.kind === 'keep-both';
}

function humanSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
