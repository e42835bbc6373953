import { RemoteError } from '../errors.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: Number(process.env.QJOURNAL_RETRY_ATTEMPTS ?? 5),
  baseDelayMs: Number(process.env.QJOURNAL_RETRY_BASE_MS ?? 250),
  maxDelayMs: 8_000,
};

/**
 * Retry `fn` with exponential backoff and full jitter while it fails with a retryable RemoteError
 * (network, 5xx/599, integrity). 4xx, 612 and 614 fail at once. The final error says how many attempts were made.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (err: RemoteError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof RemoteError) || !err.retryable || attempt >= policy.attempts) {
        throw err instanceof RemoteError && attempt > 1 ? err.withAttempts(attempt) : err;
      }
      const delay = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      onRetry?.(err, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
