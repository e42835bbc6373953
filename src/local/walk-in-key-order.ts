import { lstatSync, type Stats } from 'node:fs';
import { compileExcludes } from '../core/filter.js';
import type { LocalProblem } from '../core/local-problems.js';
import type { LocalFile } from '../core/types.js';
import { compiledWorker, streamFromWorker, type StreamWindow } from '../threads/worker-stream.js';
import { visitInKeyOrder } from './key-order-visit.js';
import type { WalkBatch, WalkInput } from './walk-worker.js';

/** A regular file of the walk and the key its path decodes to (null: the path stands for no key). */
export interface WalkedFile {
  file: LocalFile;
  key: string | null;
}

/** Files per batch handed to the caller by the worker. */
const BATCH = 1024;
/**
 * Batches the worker may stat ahead of the caller. Before the first read: enough for a walk started early
 * (`startWalk`) to fill the ~110 ms until a sync reads it (~25 batches). Then 4: further ahead buys no time once
 * the merge reads, and costs memory (a no-op sync of 1 M keys peaked ~40 MiB higher with 32 throughout).
 */
const WORKER_WINDOW: StreamWindow = { first: 32, steady: 4 };
const WORKER = compiledWorker(import.meta.url, './walk-worker.js');
/** Whether walks run on a worker thread here (false when running from the TypeScript source). */
export const walksOnWorkerThread = WORKER !== null;

/**
 * Every regular file below `root` (see `visitInKeyOrder`: key order, what is skipped and why), with its size and
 * mtime, in batches. Excludes are globs (`[sync] exclude`) because they cross to a worker thread.
 *
 * The walk runs on a worker thread: stat'ing 100k files costs ~4 µs each in syscalls alone, which on the main thread
 * (sync, or async through libuv's queue) came straight out of the time for parsing the listing and reading the
 * journal (measured: the walk took half the main thread in a 100k no-op sync). A missing root has no files; an
 * unreadable folder throws (from the worker: its message, code and path).
 */
export async function* walkInKeyOrder(root: string, prefix: string, exclude: string[], skipped: LocalProblem[]): AsyncGenerator<WalkedFile[]> {
  if (lstatOrNull(root) === null) return;
  if (WORKER === null) {
    yield* walkHere(root, prefix, exclude, skipped);
    return;
  }
  const input: WalkInput = { root, prefix, exclude, batchSize: BATCH };
  for await (const b of streamFromWorker<WalkBatch>(WORKER, { ...input }, WORKER_WINDOW)) {
    for (const s of b.skipped) skipped.push(s);
    const files: WalkedFile[] = new Array(b.paths.length);
    for (let i = 0; i < files.length; i++) {
      const path = b.paths[i];
      const key = b.keys[i];
      files[i] = { file: { path, size: b.sizes[i], mtimeMs: b.mtimesMs[i] }, key: key === undefined ? prefix + path : key };
    }
    if (files.length > 0) yield files;
  }
}

/** A walk already under way (`startWalk`). */
export interface StartedWalk {
  /** As `walkInKeyOrder` yields them; `return()` lets the walk go. */
  readonly batches: AsyncGenerator<WalkedFile[]>;
  /** Filled as the batches are read. */
  readonly skipped: LocalProblem[];
  /** Let the walk go, read or not (idempotent). */
  close(): Promise<void>;
}

/**
 * `walkInKeyOrder`, begun now rather than at the first read: its worker starts and stats up to its window ahead
 * while the caller does other things. A failure (an unreadable root) is thrown at the first read.
 */
export function startWalk(root: string, prefix: string, exclude: string[]): StartedWalk {
  const skipped: LocalProblem[] = [];
  const walk = walkInKeyOrder(root, prefix, exclude, skipped);
  const first = walk.next();
  first.catch(() => {});
  async function* batches(): AsyncGenerator<WalkedFile[]> {
    const step = await first;
    if (step.done) return;
    yield step.value;
    yield* walk;
  }
  return {
    batches: batches(),
    skipped,
    async close() {
      await first.catch(() => {});
      await walk.return(undefined);
    },
  };
}

/** The walk on this thread (no compiled worker: running from the TypeScript source). */
async function* walkHere(root: string, prefix: string, exclude: string[], skipped: LocalProblem[]): AsyncGenerator<WalkedFile[]> {
  for (const batch of visitInKeyOrder(root, prefix, compileExcludes(exclude), skipped, BATCH)) {
    yield batch.map((f) => ({ file: { path: f.rel, size: f.size, mtimeMs: f.mtimeMs }, key: f.key }));
  }
}

function lstatOrNull(abs: string): Stats | null {
  try {
    return lstatSync(abs, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}
