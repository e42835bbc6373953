/**
 * Paces a byte stream to `bytesPerSecond`. 0 = unlimited. A token bucket that starts empty and holds at most a tenth of
 * a second of bytes: the limit holds from the first byte (a full bucket let the first second go at any speed, and the
 * progress bar's ETA believed it), and an idle pause buys no burst. A slice larger than the bucket is let through
 * once the bucket is full and leaves a debt that the following slices wait for, so the average stays exact.
 */
export type Pacer = (bytes: number) => Promise<void>;

export function createPacer(bytesPerSecond: number): Pacer | undefined {
  if (!bytesPerSecond || bytesPerSecond <= 0) return undefined;
  const capacity = Math.max(1, bytesPerSecond / 10);
  let tokens = 0;
  let last = Date.now();
  let queue: Promise<void> = Promise.resolve();
  const take = async (bytes: number) => {
    for (;;) {
      const t = Date.now();
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * bytesPerSecond);
      last = t;
      const needed = Math.min(bytes, capacity);
      if (tokens >= needed) {
        tokens -= bytes;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(1, ((needed - tokens) / bytesPerSecond) * 1000)));
    }
  };
  // Callers share one bucket: serialise them so the limit holds across concurrent transfers.
  return (bytes) => (queue = queue.then(() => take(bytes)));
}
