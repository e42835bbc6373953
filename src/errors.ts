/**
 * Typed errors. Engine code throws these; exactly one place (src/cli/run-command.ts) turns them into exit codes.
 * Messages never contain credentials.
 */

export interface ConfigProblem {
  file: string;
  section: string;
  key: string;
  message: string;
}

/** config.ini is missing or invalid. Carries every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.section ? `[${p.section}] ` : ''}${p.key ? `${p.key}: ` : ''}${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export type RemoteErrorKind =
  | 'auth' // 401/403: wrong keys or token
  | 'network' // connection refused/reset, DNS, timeout
  | 'not-found' // 404 / 612
  | 'exists' // 614
  | 'no-bucket' // 631
  | 'wrong-region' // 400 "incorrect region, please use up-<id>.qiniup.com": another region's host (a configuration error)
  | 'server' // 5xx / 599
  | 'rate-limited' // 573: back off and send fewer requests at once
  | 'integrity' // downloaded bytes do not match the listed hash/size
  | 'protocol'; // anything else unexpected

/** A failed call to Kodo, with what was attempted and how often. */
export class RemoteError extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    readonly operation: string,
    readonly detail: string,
    readonly status?: number,
    readonly attempts = 1,
  ) {
    super(`${operation}: ${detail}${status !== undefined ? ` (HTTP ${status})` : ''}${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
    this.name = 'RemoteError';
  }

  withAttempts(attempts: number): RemoteError {
    return new RemoteError(this.kind, this.operation, this.detail, this.status, attempts);
  }

  /** Whether the retry table (src/remote/retry.ts) retries this kind at all. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'server' || this.kind === 'rate-limited' || this.kind === 'integrity';
  }
}

/**
 * A download's response names another hash than the listing (its ETag): the object was replaced since it was listed,
 * or a CDN node serves an older version. Never retried from the same place; through a CDN, the file is tried once
 * more from the origin (sync/download-from.ts). Nothing reaches the final path.
 */
export class ObjectChangedError extends RemoteError {
  constructor(key: string, listedHash: string, servedHash: string, servedBy: string | undefined, fromOrigin: boolean) {
    const who = fromOrigin ? '' : `${servedBy ?? 'the server'} says `;
    super('protocol', `download ${key}`, `${who}the object changed since it was listed (it now has hash ${servedHash}, listed ${listedHash}); the next run gets the new version`);
    this.name = 'ObjectChangedError';
  }
}

/**
 * A local file changed while it was being uploaded: nothing was committed (a multipart upload is aborted), so no object
 * ever holds bytes that never existed together. The file is reported; the next run uploads its new version.
 */
export class LocalChangedError extends Error {
  constructor(readonly relPath: string, why: string) {
    super(`${relPath} changed while it was being uploaded (${why}); nothing was committed, the next run uploads the new version`);
    this.name = 'LocalChangedError';
  }
}

/** The run would delete too much (or the listing came back empty against a full journal): nothing was applied. */
export class SafetyAbortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetyAbortError';
  }
}

/**
 * The journal file is damaged (not a database, or corrupt pages). Exit 3: nothing was done; the message says what to
 * do (`recover-journal` from the last good copy, or delete the file to rebuild it by hashing).
 */
export class JournalCorruptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalCorruptError';
  }
}

/** Another run holds the journal lock. */
export class LockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockedError';
  }
}

/** restore <key>: the key exists neither locally, nor remotely, nor in the trash. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Bad command-line usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
