import { ConfigError, JournalCorruptError, LockedError, NotFoundError, RemoteError, SafetyAbortError, UsageError } from '../errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** The exit code for an error that escaped a command. Engine errors during actions are counted, not thrown. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ConfigError) return EXIT.config;
  // A damaged journal is the setup's problem, like a bad config: nothing was done, and the message says what to do.
  if (err instanceof JournalCorruptError) return EXIT.config;
  // 631: the configured bucket does not exist — a configuration error, not an outage.
  if (err instanceof RemoteError && err.kind === 'no-bucket') return EXIT.config;
  // Another region's host (when not already turned into advice naming the config file, sync/wrong-region.ts).
  if (err instanceof RemoteError && err.kind === 'wrong-region') return EXIT.config;
  // A remote failure that escapes a command happened before any action (access check, listing).
  if (err instanceof RemoteError) return EXIT.remoteUnreachable;
  if (err instanceof SafetyAbortError) return EXIT.safetyAbort;
  if (err instanceof NotFoundError) return EXIT.notFound;
  // Another run holds the journal: refusing to run is a safety abort with nothing applied.
  if (err instanceof LockedError) return EXIT.safetyAbort;
  return EXIT.internal;
}

const KIND: Record<ExitCode, string> = {
  0: 'ok',
  1: 'internal',
  2: 'usage',
  3: 'config',
  4: 'remote',
  5: 'partial',
  6: 'safety-abort',
  7: 'conflicts',
  8: 'not-found',
};

/** What `--json` prints on stdout for a failed command: `{"error": {exitCode, kind, message, problems?}}`. */
export function errorJson(err: unknown, code: ExitCode): string {
  const message = err instanceof Error ? err.message : String(err);
  const problems = err instanceof ConfigError ? err.problems : undefined;
  return `${JSON.stringify({ error: { exitCode: code, kind: KIND[code], message, ...(problems ? { problems } : {}) } })}\n`;
}

/**
 * The one place where errors become exit codes. Commands return their own code for partial outcomes
 * (5 partial, 7 conflicts); anything thrown is mapped by exitCodeFor and printed without a stack trace
 * unless it is an internal error. With `json`, stdout also gets the error as one JSON object.
 */
export async function runCommand(
  fn: () => Promise<ExitCode | void>,
  opts: { json?: boolean; stderr?: NodeJS.WritableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<void> {
  const stderr = opts.stderr ?? process.stderr;
  try {
    process.exitCode = (await fn()) ?? EXIT.ok;
  } catch (err) {
    const code = exitCodeFor(err);
    const message = err instanceof Error ? err.message : String(err);
    stderr.write(`qjournal: ${message}\n`);
    if (code === EXIT.internal && err instanceof Error && err.stack && process.env.QJOURNAL_DEBUG) {
      stderr.write(`${err.stack}\n`);
    }
    if (opts.json) (opts.stdout ?? process.stdout).write(errorJson(err, code));
    process.exitCode = code;
  }
}
