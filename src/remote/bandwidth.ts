/** Paces a byte stream to `bytesPerSecond` (a token bucket with one second of burst). 0 = unlimited. */
export type Pacer = (bytes: number) => Promise<void>;

export function createPacer(bytesPerSecond: number): Pacer | undefined {
  if (!bytesPerSecond || bytesPerSecond <= 0) return undefined;
  let tokens = bytesPerSecond;
  let last = Date.now();
  let queue: Promise<void> = Promise.resolve();
  const take = async (bytes: number) => {
    for (;;) {
      const now = Date.now();
      tokens = Math.min(bytesPerSecond, tokens + ((now - last) / 1000) * bytesPerSecond);
      last = now;
      if (tokens >= Math.min(bytes, bytesPerSecond)) {
        tokens -= bytes;
        return;
      }
      const waitMs = ((Math.min(bytes, bytesPerSecond) - tokens) / bytesPerSecond) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(1, waitMs)));
    }
  };
  // Callers share one bucket: serialise them so the limit holds across concurrent transfers.
  return (bytes) => (queue = queue.then(() => take(bytes)));
}
