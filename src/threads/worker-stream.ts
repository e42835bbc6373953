import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * A stream of batches computed on a worker thread, read in order on the main thread, with back-pressure: the worker
 * runs at most `window` batches ahead of the reader (it blocks on a shared counter), so a huge walk or journal never
 * queues up in memory. Both ends live here so the protocol has one definition.
 */

interface StreamControl {
  /** Int32Array[1] over this buffer: batches the reader has taken so far. */
  taken: SharedArrayBuffer;
  window: StreamWindow;
}

/** Batches the worker may post ahead of the reader: `first` until the reader has taken one, then `steady`. */
export interface StreamWindow {
  first: number;
  steady: number;
}

type StreamMessage<B> = { batch: B } | { end: true } | { error: { message: string; code?: string; syscall?: string; path?: string } };

/**
 * The compiled worker module beside `moduleUrl`, or null when it is not there: code running from its TypeScript
 * source (the tests under vitest) cannot start a worker from a `.ts` file, and then does the same work in-thread.
 */
export function compiledWorker(moduleUrl: string, fileName: string): string | null {
  const file = fileURLToPath(new URL(fileName, moduleUrl));
  return existsSync(file) ? file : null;
}

/** Main side: start `file` with `input` (plus the stream's control) and yield what it streams, in order. */
export async function* streamFromWorker<B>(file: string, input: Record<string, unknown>, window: StreamWindow): AsyncGenerator<B> {
  const control: StreamControl = { taken: new SharedArrayBuffer(4), window };
  const worker = new Worker(file, { workerData: { ...input, ...control } });
  const inbox: (StreamMessage<B> | Error)[] = [];
  let wake: (() => void) | null = null;
  const deliver = (m: StreamMessage<B> | Error) => {
    inbox.push(m);
    wake?.();
    wake = null;
  };
  worker.on('message', deliver);
  worker.on('error', deliver);
  worker.on('exit', (code) => deliver(new Error(`worker thread ${file} exited (${code}) before its stream ended`)));
  // The worker keeps the process alive only while the reader waits for it: a reader that stopped taking batches
  // (its caller threw without closing it) must not, and a reader that waits must not see the process exit under it.
  // (After the listeners: adding a 'message' listener refs a worker again.)
  worker.unref();
  const taken = new Int32Array(control.taken);
  try {
    for (;;) {
      if (inbox.length === 0) {
        worker.ref();
        await new Promise<void>((resolve) => (wake = resolve));
        worker.unref();
      }
      const m = inbox.shift()!;
      if (m instanceof Error) throw m;
      if ('error' in m) {
        // Rebuilt with the fields callers look at (an errno code such as EACCES, the path), not just the message.
        const { message, ...fields } = m.error;
        throw Object.assign(new Error(message), Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
      }
      if ('end' in m) return;
      Atomics.add(taken, 0, 1);
      Atomics.notify(taken, 0);
      yield m.batch;
    }
  } finally {
    void worker.terminate();
  }
}

/** Worker side: the input `streamFromWorker` passed. */
export function workerInput<T>(): T {
  return workerData as T;
}

/** Worker side: post every batch (waiting while `window` are untaken), then the end; a throw is posted as the error. */
export function streamToMain<B>(batches: () => Iterable<B>, transfer?: (batch: B) => ArrayBuffer[]): void {
  if (parentPort === null) throw new Error('streamToMain runs on a worker thread');
  const { taken: buffer, window } = workerData as StreamControl;
  const taken = new Int32Array(buffer);
  let posted = 0;
  try {
    for (const batch of batches()) {
      for (;;) {
        const seen = Atomics.load(taken, 0);
        if (posted - seen < (seen === 0 ? window.first : window.steady)) break;
        Atomics.wait(taken, 0, seen);
      }
      parentPort.postMessage({ batch } satisfies StreamMessage<B>, transfer?.(batch));
      posted++;
    }
    parentPort.postMessage({ end: true } satisfies StreamMessage<B>);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const error = { message: e?.message ?? String(err), code: e?.code, syscall: e?.syscall, path: e?.path };
    parentPort.postMessage({ error } satisfies StreamMessage<B>);
  }
}
