/**
 * AIMD concurrency for transfers (TCP's rule): every 573 (rate limited) halves the number of transfers in flight, at
 * most once per `cutEveryMs` (the 573s of the requests already in flight are one signal); every `raiseAfterMs` without
 * one, one more is allowed again, up to the configured maximum.
 */
export class AdaptiveLimit {
  private limit: number;
  private lastCut = -Infinity;
  private lastRaise = Date.now();
  private waiters: (() => void)[] = [];
  private active = 0;

  private readonly cutEveryMs: number;
  private readonly raiseAfterMs: number;

  constructor(
    readonly max: number,
    timing: { cutEveryMs?: number; raiseAfterMs?: number } = {},
    private readonly onChange?: (limit: number, why: 'rate-limited' | 'recovered') => void,
  ) {
    this.limit = Math.max(1, max);
    this.cutEveryMs = timing.cutEveryMs ?? 1_000;
    this.raiseAfterMs = timing.raiseAfterMs ?? 5_000;
  }

  get current(): number {
    return this.limit;
  }

  /** A 573 was seen: halve (at most once per `cutEveryMs`). */
  cut(now = Date.now()): void {
    if (now - this.lastCut < this.cutEveryMs) return;
    this.lastCut = now;
    this.lastRaise = now;
    const next = Math.max(1, Math.floor(this.limit / 2));
    if (next !== this.limit) {
      this.limit = next;
      this.onChange?.(next, 'rate-limited');
    }
  }

  /** Wait for a slot; call the returned function when the transfer is over. */
  async acquire(): Promise<() => void> {
    this.raiseIfCalm();
    while (this.active >= this.limit) {
      await new Promise<void>((r) => this.waiters.push(r));
      this.raiseIfCalm();
    }
    this.active++;
    return () => {
      this.active--;
      this.waiters.shift()?.();
    };
  }

  private raiseIfCalm(now = Date.now()): void {
    if (this.limit >= this.max || now - this.lastRaise < this.raiseAfterMs) return;
    this.lastRaise = now;
    this.limit++;
    this.onChange?.(this.limit, 'recovered');
    this.waiters.shift()?.();
  }
}

let current: AdaptiveLimit | null = null;

/** The limit a run's transfers go through, for `rateLimited` to find (one run per process). Returns an unset. */
export function useAdaptiveLimit(limit: AdaptiveLimit): () => void {
  current = limit;
  return () => {
    if (current === limit) current = null;
  };
}

/** Called by the retry loop on every 573. */
export function rateLimited(): void {
  current?.cut();
}
