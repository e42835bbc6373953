import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/remote/bandwidth.js';

describe('createPacer', () => {
  it('holds the limit from the first byte: no burst at the start, the average exact', async () => {
    const rate = 1024 * 1024;
    const pace = createPacer(rate)!;
    const start = Date.now();
    const sentBy: { at: number; total: number }[] = [];
    let total = 0;
    for (let i = 0; i < 32; i++) {
      await pace(16 * 1024);
      total += 16 * 1024;
      sentBy.push({ at: Date.now() - start, total });
    }
    const elapsed = Date.now() - start;
    // 512 KiB at 1 MiB/s: half a second (the old pacer, starting with a full bucket, sent it at once).
    expect(elapsed).toBeGreaterThanOrEqual(450);
    // Never ahead of the limit by more than the bucket (a tenth of a second) plus one slice.
    for (const { at, total: sent } of sentBy) expect(sent).toBeLessThanOrEqual((at / 1000) * rate + rate / 10 + 16 * 1024);
  });

  it('a slice larger than the bucket passes, and the next ones pay for it', async () => {
    const pace = createPacer(100 * 1024)!;
    const start = Date.now();
    await pace(50 * 1024);
    await pace(1);
    // 50 KiB at 100 KiB/s: the second call waits until the first is paid for.
    expect(Date.now() - start).toBeGreaterThanOrEqual(450);
  });

  it('0 means unlimited', () => {
    expect(createPacer(0)).toBeUndefined();
  });
});
