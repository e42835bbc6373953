/**
 * Items gathered into batches of up to `size`, or whatever came within `ms` of a batch's first item; each batch goes
 * to `process` once the previous one is done, so batches are handled one at a time, in the order items were added.
 * `process` handles its own failures (a rejection would stop every later batch).
 */
export class SerialBatches<I> {
  private pending: I[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly size: number,
    private readonly ms: number,
    private readonly process: (batch: I[]) => Promise<void>,
  ) {}

  add(item: I): void {
    this.pending.push(item);
    if (this.pending.length >= this.size) void this.send();
    else if (this.timer === null) {
      this.timer = setTimeout(() => void this.send(), this.ms);
      this.timer.unref();
    }
  }

  /** Hand over what is pending and wait for every batch handed over so far. */
  async flush(): Promise<void> {
    await this.send();
  }

  private send(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    this.pending = [];
    this.running = this.running.then(() => (batch.length === 0 ? undefined : this.process(batch)));
    return this.running;
  }
}
