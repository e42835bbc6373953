import type { RemoteObject } from '../core/types.js';
import type { RemoteStore } from '../remote/remote-store.js';

/** Pages the listing may fetch ahead of the merge. */
const PAGES_AHEAD = 8;

/**
 * The bucket listing of a sync, started before the run lock is taken, beside the walk (early-start.ts). Its first page
 * is the access check (wrong keys or an unreachable server fail there, before anything on disk is touched), and
 * the next pages keep coming while the lock is taken and the journal opened: against Kodo, one round trip less and
 * a few more overlapped. It is trusted under the walk's rule: only if no run took the lock since the walk's look at
 * it (a run may have changed the bucket too).
 */
export interface Prelist {
  /** The listing of the prefix from its first page, as `RemoteStore.listPages` yields it. */
  readonly pages: AsyncGenerator<RemoteObject[]>;
  /** Stop listing (idempotent). */
  close(): Promise<void>;
}

/** Start listing `prefix`; resolves once the first page is in, rejects with the listing's error. */
export async function startPrelist(remote: RemoteStore, prefix: string): Promise<Prelist> {
  const source = remote.listPages(prefix)[Symbol.asyncIterator]();
  const fetched: IteratorResult<RemoteObject[]>[] = [];
  let failure: { error: unknown } | null = null;
  let stopped = false;
  // Each side waits on a promise and leaves its resolve here; resolving one already resolved does nothing.
  let wakeReader = () => {};
  let wakeFetcher = () => {};

  const fetching = (async () => {
    try {
      for (;;) {
        while (fetched.length >= PAGES_AHEAD && !stopped) await new Promise<void>((resolve) => (wakeFetcher = resolve));
        if (stopped) return;
        const step = await source.next();
        fetched.push(step);
        wakeReader();
        if (step.done) return;
      }
    } catch (error) {
      failure = { error };
      wakeReader();
    }
  })();

  const close = async () => {
    stopped = true;
    wakeFetcher();
    await fetching;
    await source.return?.();
  };

  const waitForPage = async () => {
    while (fetched.length === 0 && failure === null) await new Promise<void>((resolve) => (wakeReader = resolve));
  };
  await waitForPage();
  if (fetched.length === 0) {
    await close();
    throw failure!.error;
  }

  async function* pages(): AsyncGenerator<RemoteObject[]> {
    try {
      for (;;) {
        await waitForPage();
        if (fetched.length === 0) throw failure!.error;
        const step = fetched.shift()!;
        wakeFetcher();
        if (step.done) return;
        yield step.value;
      }
    } finally {
      await close();
    }
  }
  return { pages: pages(), close };
}
