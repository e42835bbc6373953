import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../src/errors.js';
import { AdaptiveLimit } from '../../src/remote/adaptive-limit.js';

// Delays scaled down 250× (the table's shape is what is tested); read when retry.ts loads.
process.env.QJOURNAL_RETRY_BASE_MS = '1';
const { reportRetriesTo, RETRY_TABLE, withRetry } = await import('../../src/remote/retry.js');

const failing = (kind: RemoteError['kind'], status?: number) => {
  let calls = 0;
  const fn = async () => {
    calls++;
    throw new RemoteError(kind, 'list', 'x', status);
  };
  return { fn, calls: () => calls };
};

describe('the retry table', () => {
  it.each([
    ['network', undefined, RETRY_TABLE.network!.attempts],
    ['server', 503, 5],
    ['rate-limited', 573, 8],
    ['integrity', undefined, 3],
    ['auth', 401, 1],
    ['not-found', 612, 1],
    ['exists', 614, 1],
    ['no-bucket', 631, 1],
    ['protocol', 400, 1],
  ] as const)('%s (HTTP %s) is tried %i time(s), each retry reported with its code and attempt', async (kind, status, attempts) => {
    const lines: string[] = [];
    const stop = reportRetriesTo((l) => lines.push(l));
    const f = failing(kind, status);
    try {
      const err = await withRetry(f.fn, { budgetMs: Infinity }).catch((e: unknown) => e as RemoteError);
      expect(f.calls()).toBe(attempts);
      expect(err.attempts).toBe(attempts);
      expect(lines).toHaveLength(attempts - 1);
      if (attempts > 1) expect(lines[0]).toMatch(new RegExp(`^Retrying list \\(attempt 1 of ${attempts} failed: ${status ? `HTTP ${status}` : 'x'}: x\\) in \\d+ ms$`));
    } finally {
      stop();
    }
  });

  it('stops when the next attempt would end past the time budget', async () => {
    let calls = 0;
    const started = Date.now();
    const err = await withRetry(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 40));
        throw new RemoteError('network', 'list', 'ETIMEDOUT');
      },
      { budgetMs: 100 },
    ).catch((e: unknown) => e as RemoteError);
    expect(err).toBeInstanceOf(RemoteError);
    expect(calls).toBeLessThan(5);
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('AIMD transfer limit', () => {
  it('halves on a 573 at most once per cut interval, and grows back by one per calm interval', async () => {
    const changes: string[] = [];
    const limit = new AdaptiveLimit(8, { cutEveryMs: 50, raiseAfterMs: 50 }, (n, why) => changes.push(`${why} ${n}`));
    limit.cut();
    limit.cut();
    expect(limit.current).toBe(4);
    await new Promise((r) => setTimeout(r, 60));
    limit.cut();
    expect(limit.current).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    (await limit.acquire())();
    expect(limit.current).toBe(3);
    expect(changes).toEqual(['rate-limited 4', 'rate-limited 2', 'recovered 3']);
  });

  it('never lets more transfers in than the current limit', async () => {
    const limit = new AdaptiveLimit(4, { raiseAfterMs: 10_000 });
    limit.cut();
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const release = await limit.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        release();
      }),
    );
    expect(peak).toBe(2);
  });
});
