/**
 * Local things a run cannot back up, found while walking or reading the folder. Each is reported by name (a WARN
 * line, `status --json` "problems", the run's counts); the run goes on with everything else. Pure data.
 */
export type LocalProblemKind =
  /** A folder that cannot be listed: what it holds is unknown, never taken for deleted files. */
  | 'unreadable-folder'
  /** A file that cannot be read (permission denied, I/O error). */
  | 'unreadable-file'
  /** A file that disappeared between the walk and reading it. */
  | 'vanished'
  /** A name that is not valid UTF-8: it cannot be a Kodo key. */
  | 'bad-name'
  /** A symbolic link: never followed (it could lead outside the root or in a loop). */
  | 'symlink'
  /** A FIFO, socket or device. */
  | 'special';

export interface LocalProblem {
  /** Relative to the root, `/`-separated; bytes that are not UTF-8 are written `\xNN`. */
  path: string;
  kind: LocalProblemKind;
  /** What is wrong, in words (with a symlink's target). */
  detail: string;
  /** An unreadable folder's key prefix (`a/b/`): every key below it is left alone this run. */
  keyPrefix?: string;
}

/** Kinds that make the run partial (exit 5): something that should have been backed up was not. */
export function isFailure(kind: LocalProblemKind): boolean {
  return kind !== 'symlink' && kind !== 'special';
}

/** Key prefixes of the folders a run could not read: keys below them are neither planned nor taken as deleted. */
export class BlindSpots {
  private readonly prefixes: string[] = [];

  add(prefix: string): void {
    this.prefixes.push(prefix);
  }

  get empty(): boolean {
    return this.prefixes.length === 0;
  }

  covers(key: string): boolean {
    for (const p of this.prefixes) if (key.startsWith(p)) return true;
    return false;
  }
}

/**
 * A test for "below a folder the walk could not read" over `problems` as it grows (the walk appends while it runs):
 * each call first takes in what was appended since the last.
 */
export function blindSpotsOf(problems: readonly LocalProblem[]): (key: string) => boolean {
  const spots = new BlindSpots();
  let seen = 0;
  return (key) => {
    while (seen < problems.length) {
      const prefix = problems[seen++].keyPrefix;
      if (prefix !== undefined) spots.add(prefix);
    }
    return !spots.empty && spots.covers(key);
  };
}
