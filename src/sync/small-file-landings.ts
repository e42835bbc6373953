import path from 'node:path';
import { landSmallPart, syncPart, type WrittenPart } from '../local/partial-file.js';
import { syncFolder } from '../local/sync-folder.js';

/** Small downloads fsynced together; a batch is also landed this long after its first file was written. */
export const LANDING_BATCH_SIZE = 32;
export const LANDING_BATCH_MS = 10;
/** Written files waiting to land at most: past this, `add` waits (bounded open fds and partial files). */
export const LANDING_MAX_WAITING = 4 * LANDING_BATCH_SIZE;

type Landed = Awaited<ReturnType<typeof landSmallPart>>;

/**
 * Lands verified small downloads (fetch-to-file.ts `fetchSmallToPart`) in batches (issue #14): the fsyncs of a batch
 * are issued together, so the disk's journal commits many files at once, and the transfer slot is free for the next
 * download meanwhile instead of waiting for its own fsync. Then each file is renamed into place (after its target is
 * re-checked), the folders they went to are fsynced (once each), and each file goes to its `then` (which journals it);
 * a failure to `onFailed`.
 *
 * The guarantees stay per file: the bytes were verified before they were written, each rename follows that file's own
 * completed fsync, and the journal hears of a file only after its rename is durable. A crash at any point leaves
 * partial files under `.qjournal/tmp/` (never at a final path) or renamed files the journal does not know yet, which
 * the next run hashes and records (journal-batch.ts).
 */
export class SmallFileLandings<T> {
  private pending: { written: WrittenPart; owner: T; then: (landed: Landed) => Promise<void> }[] = [];
  private waiting = 0;
  private room: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The renames of the batches so far. */
  private landing: Promise<void> = Promise.resolve();
  /** Their files' `then`s (or `onFailed`). */
  private journaling: Promise<void> = Promise.resolve();

  constructor(private readonly onFailed: (owner: T, err: unknown) => Promise<void>) {}

  /** Take `written` to land; resolves at once unless `LANDING_MAX_WAITING` files wait already. */
  async add(written: WrittenPart, owner: T, then: (landed: Landed) => Promise<void>): Promise<void> {
    this.pending.push({ written, owner, then });
    this.waiting++;
    if (this.pending.length >= LANDING_BATCH_SIZE) void this.land();
    else if (this.timer === null) {
      this.timer = setTimeout(() => void this.land(), LANDING_BATCH_MS);
      this.timer.unref();
    }
    while (this.waiting > LANDING_MAX_WAITING) await new Promise<void>((resolve) => this.room.push(resolve));
  }

  /** Land what is pending and wait for every landing (and its `then`) started so far. */
  async flush(): Promise<void> {
    await this.land();
  }

  private land(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    this.pending = [];
    // All fsyncs of a batch at once.
    const synced = Promise.all(batch.map((b) => syncPart(b.written)));
    // Renames go one batch after another; a batch's folder fsyncs overlap the next batch's renames, and its files go to
    // their `then` (in order, batch after batch) once those fsyncs are done.
    const renamed = this.landing.then(async () => {
      const errors = await synced;
      const landed: Outcome<Landed>[] = [];
      for (const [i, b] of batch.entries()) landed.push(await outcome(landSmallPart(b.written, errors[i])));
      const folderSynced = new Map<string, Promise<Outcome<void>>>();
      for (const [i, b] of batch.entries()) {
        const dir = path.dirname(b.written.finalPath);
        if (landed[i].ok && !folderSynced.has(dir)) folderSynced.set(dir, outcome(syncFolder(dir)));
      }
      return { landed, folderSynced };
    });
    this.landing = renamed.then(() => undefined);
    this.journaling = Promise.all([this.journaling, renamed]).then(async ([, { landed, folderSynced }]) => {
      for (const [i, b] of batch.entries()) {
        const result = landed[i];
        try {
          if (!result.ok) throw result.error;
          // The rename is durable (its folder fsynced) before the journal hears of it.
          const folder = await folderSynced.get(path.dirname(b.written.finalPath))!;
          if (!folder.ok) throw folder.error;
          await b.then(result.value);
        } catch (err) {
          await this.onFailed(b.owner, err);
        }
        this.waiting--;
        this.room.shift()?.();
      }
    });
    return this.journaling;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}
