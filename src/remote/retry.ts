import { RemoteError, type RemoteErrorKind } from '../errors.js';
import { rateLimited } from './adaptive-limit.js';

/** How one kind of failure is retried: attempts in all (the first included), exponential back-off with full jitter. */
export interface RetryRule {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const scale = Number(process.env.QJOURNAL_RETRY_BASE_MS ?? 250) / 250;

/**
 * The retry table (README "Retries and time limits"), next to the classification in classify.ts. A kind absent here
 * fails at once: auth (401/403), not-found (404, 612 — a resumable upload whose id expired starts over instead, see
 * multipart-upload.ts), exists (614), no-bucket (631, a configuration error), wrong-region (400 "incorrect region": a configuration error too,
 * the run stops with exit 3), protocol (other 4xx).
 * `QJOURNAL_RETRY_BASE_MS` scales every delay (tests); `QJOURNAL_RETRY_ATTEMPTS` caps the attempts.
 */
export const RETRY_TABLE: Partial<Record<RemoteErrorKind, RetryRule>> = {
  // refused, reset, DNS, connect/answer timeouts, a body cut short
  network: { attempts: 5, baseDelayMs: 250 * scale, maxDelayMs: 8_000 * scale },
  // 5xx, 599
  server: { attempts: 5, baseDelayMs: 250 * scale, maxDelayMs: 8_000 * scale },
  // 573: slower back-off, and every 573 halves the transfer concurrency for a while (adaptive-limit.ts)
  'rate-limited': { attempts: 8, baseDelayMs: 1_000 * scale, maxDelayMs: 30_000 * scale },
  // downloaded bytes that do not match the listed hash
  integrity: { attempts: 3, baseDelayMs: 250 * scale, maxDelayMs: 2_000 * scale },
};

const ATTEMPT_CAP = process.env.QJOURNAL_RETRY_ATTEMPTS ? Number(process.env.QJOURNAL_RETRY_ATTEMPTS) : Infinity;

/**
 * How long one call may keep retrying, from its first attempt: no further attempt starts when (judging by the
 * slowest attempt so far) it would end past this. With the management calls' 10 s answer timeout, a server that
 * accepts connections and never answers is given up on after ~40 s.
 */
export const DEFAULT_BUDGET_MS = 45_000;

export interface RetryOptions {
  /** See DEFAULT_BUDGET_MS. Transfers, whose attempts make progress and resume, pass Infinity. */
  budgetMs?: number;
  /** Kinds this call does not retry although the table does (a download through a CDN: its origin is tried instead). */
  notRetried?: readonly RemoteErrorKind[];
}

type RetryReporter = (line: string) => void;
let reporter: RetryReporter | null = null;

/** Where every retry is reported (the CLI: the logger at WARN). Returns a function that stops it. */
export function reportRetriesTo(fn: RetryReporter): () => void {
  reporter = fn;
  return () => {
    if (reporter === fn) reporter = null;
  };
}

/**
 * Retry `fn` by the retry table while it fails with a retryable RemoteError; anything else fails at once. Every retry
 * is reported (code, attempt, delay); the final error says how many attempts were made.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const started = Date.now();
  let slowest = 0;
  const budget = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  for (let attempt = 1; ; attempt++) {
    const attemptStarted = Date.now();
    try {
      return await fn(attempt);
    } catch (err) {
      slowest = Math.max(slowest, Date.now() - attemptStarted);
      const rule = err instanceof RemoteError && !opts.notRetried?.includes(err.kind) ? RETRY_TABLE[err.kind] : undefined;
      const attempts = Math.min(rule?.attempts ?? 1, ATTEMPT_CAP);
      const delay = rule ? Math.random() * Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (attempt - 1)) : 0;
      const overBudget = Date.now() + delay + slowest - started > budget;
      if (!rule || attempt >= attempts || overBudget) {
        throw err instanceof RemoteError && attempt > 1 ? err.withAttempts(attempt) : err;
      }
      const e = err as RemoteError;
      if (e.kind === 'rate-limited') rateLimited();
      reporter?.(`Retrying ${e.operation} (attempt ${attempt} of ${attempts} failed: ${codeOf(e)}: ${e.detail}) in ${Math.round(delay)} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The code a retry line shows: the HTTP status, else the network error's code. */
function codeOf(err: RemoteError): string {
  if (err.status !== undefined) return `HTTP ${err.status}`;
  return err.detail.split(' ')[0] || err.kind;
}
