export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Spreads bytes over time at a fixed rate: `await pace(n)` returns when n more bytes are due. */
export function createPacer(bytesPerSec: number): (n: number) => Promise<void> {
  const start = Date.now();
  let total = 0;
  return async (n) => {
    total += n;
    const due = start + (total / bytesPerSec) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  };
}
