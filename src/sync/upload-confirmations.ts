import type { RemoteObject } from '../core/types.js';
import { confirmStored } from '../remote/confirm-stored.js';
import type { RemoteStore, StoredObject } from '../remote/remote-store.js';
import { withRetry } from '../remote/retry.js';
import { SerialBatches } from './serial-batches.js';

/** Uploads confirmed together; a batch is also sent this long after its first upload was accepted. */
export const CONFIRM_BATCH_SIZE = 200;
export const CONFIRM_BATCH_MS = 100;

/**
 * Confirms accepted uploads with one `/batch` of stats per up to `CONFIRM_BATCH_SIZE` keys instead of one stat
 * request per file (issue #14); the transfer slot is free meanwhile. Each confirmed object goes to its `then` (which
 * journals it); a failed confirmation to `onFailed`.
 *
 * Safe because an accepted upload is already durable on the server: a crash before its confirmation leaves an object
 * the journal does not know yet, beside the local file it came from, and the next run records the pair when the
 * hashes agree, like any unjournaled file on both sides. Nothing is overwritten on the strength of an unconfirmed row.
 */
export class UploadConfirmations<T> {
  private readonly batches: SerialBatches<{ stored: StoredObject; owner: T; then: (object: RemoteObject) => Promise<void> }>;

  constructor(remote: Pick<RemoteStore, 'statMany'>, onFailed: (owner: T, err: unknown) => Promise<void>) {
    // One batch after another, in the order the uploads were accepted.
    this.batches = new SerialBatches(CONFIRM_BATCH_SIZE, CONFIRM_BATCH_MS, async (batch) => {
      let stats: (RemoteObject | null)[];
      try {
        stats = await withRetry(() => remote.statMany(batch.map((b) => b.stored.key)));
      } catch (err) {
        for (const b of batch) await onFailed(b.owner, err);
        return;
      }
      for (const [i, b] of batch.entries()) {
        try {
          await b.then(confirmStored(b.stored, stats[i]));
        } catch (err) {
          await onFailed(b.owner, err);
        }
      }
    });
  }

  add(stored: StoredObject, owner: T, then: (object: RemoteObject) => Promise<void>): void {
    this.batches.add({ stored, owner, then });
  }

  /** Confirm what is pending and wait for every confirmation (and its `then`) started so far. */
  flush(): Promise<void> {
    return this.batches.flush();
  }
}
