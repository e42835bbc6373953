import type { Journal, SettledEntry } from '../journal/journal.js';
import { SerialBatches } from './serial-batches.js';

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
  private readonly batches: SerialBatches<{ item: SettledEntry; owner: T }>;

  constructor(
    journal: Journal,
    /** Called for the actions of a batch the journal refused (e.g. a full disk): they count as failed. */
    onFailed: (owners: T[], err: unknown) => Promise<void>,
  ) {
    // Commits run one after another, in the order the actions finished.
    this.batches = new SerialBatches(JOURNAL_BATCH_SIZE, JOURNAL_BATCH_MS, async (batch) => {
      try {
        await journal.recordSettled(batch.map((b) => b.item));
      } catch (err) {
        await onFailed(
          batch.map((b) => b.owner),
          err,
        );
      }
    });
  }

  add(item: SettledEntry, owner: T): void {
    this.batches.add({ item, owner });
  }

  /** Commit what is pending and wait for every commit started so far. */
  flush(): Promise<void> {
    return this.batches.flush();
  }
}
