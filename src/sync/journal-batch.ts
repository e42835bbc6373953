import type { Journal, SettledEntry } from '../journal/journal.js';

/** Finished actions committed together; a batch is also committed this long after its first action finished. */
export const JOURNAL_BATCH_SIZE = 64;
export const JOURNAL_BATCH_MS = 100;

/**
 * Journals finished transfers in small batched transactions instead of one per file (issue #14).
 *
 * Safe because every item is already an observed, durable state when it is added (the file was fsynced and renamed,
 * or the object was stored): a crash before the batch commits leaves files the journal does not know yet, and the
 * next run finds them like any unjournaled file on both sides: it hashes the local copy and records it when it
 * matches (never overwrites, never re-downloads bytes it can verify). At most `JOURNAL_BATCH_SIZE` rows wait in memory.
 */
export class JournalBatch<T> {
  private pending: { item: SettledEntry; owner: T }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly journal: Journal,
    /** Called for the actions of a batch the journal refused (e.g. a full disk): they count as failed. */
    private readonly onFailed: (owners: T[], err: unknown) => Promise<void>,
  ) {}

  add(item: SettledEntry, owner: T): void {
    this.pending.push({ item, owner });
    if (this.pending.length >= JOURNAL_BATCH_SIZE) void this.commit();
    else if (this.timer === null) {
      this.timer = setTimeout(() => void this.commit(), JOURNAL_BATCH_MS);
      this.timer.unref();
    }
  }

  /** Commit what is pending and wait for every commit started so far. */
  async flush(): Promise<void> {
    await this.commit();
  }

  private commit(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    this.pending = [];
    // Commits run one after another, in the order the actions finished.
    this.committing = this.committing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.journal.recordSettled(batch.map((b) => b.item));
      } catch (err) {
        await this.onFailed(
          batch.map((b) => b.owner),
          err,
        );
      }
    });
    return this.committing;
  }
}
