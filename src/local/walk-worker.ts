// The worker thread behind `walkInKeyOrder`: the whole walk (readdir, lstat, decode, sort) off the main thread.
import { compileExcludes } from '../core/filter.js';
import type { LocalProblem } from '../core/local-problems.js';
import { streamToMain, workerInput } from '../threads/worker-stream.js';
import { visitInKeyOrder } from './key-order-visit.js';

export interface WalkInput {
  root: string;
  prefix: string;
  exclude: string[];
  batchSize: number;
}

/** Columns rather than objects: a structured clone of a few arrays per batch instead of a thousand objects. */
export interface WalkBatch {
  paths: string[];
  /** A file's key; undefined: the same as prefix + path (almost always), null: the path stands for no key. */
  keys: (string | null | undefined)[];
  sizes: Float64Array;
  mtimesMs: Float64Array;
  /** What could not be backed up, met since the previous batch (non-files, bad names, unreadable folders). */
  skipped: LocalProblem[];
}

const { root, prefix, exclude, batchSize } = workerInput<WalkInput>();
streamToMain(() => walk(), (b) => [b.sizes.buffer as ArrayBuffer, b.mtimesMs.buffer as ArrayBuffer]);

function* walk(): Generator<WalkBatch> {
  const skipped: LocalProblem[] = [];
  for (const files of visitInKeyOrder(root, prefix, compileExcludes(exclude), skipped, batchSize)) {
    const batch: WalkBatch = { paths: [], keys: [], sizes: new Float64Array(files.length), mtimesMs: new Float64Array(files.length), skipped: skipped.splice(0) };
    files.forEach((f, i) => {
      batch.paths.push(f.rel);
      batch.keys.push(f.key === prefix + f.rel ? undefined : f.key);
      batch.sizes[i] = f.size;
      batch.mtimesMs[i] = f.mtimeMs;
    });
    yield batch;
  }
  if (skipped.length > 0) yield { paths: [], keys: [], sizes: new Float64Array(0), mtimesMs: new Float64Array(0), skipped };
}
