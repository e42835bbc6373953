// A second thread for the walk's lstat calls (see walk-worker.ts): stats the paths it is sent into shared memory and
// says so through a shared flag, so the walk can wait for it synchronously.
import { parentPort, workerData } from 'node:worker_threads';
import { lstatInto } from './stat-entries.js';

export interface StatRequest {
  paths: string[];
  /** Float64Array over it: three numbers per entry of the whole folder; these paths fill entries `first` on. */
  out: SharedArrayBuffer;
  first: number;
  /** Int32Array[1] over it: set to 1 when done. */
  done: SharedArrayBuffer;
}

parentPort?.on('message', (req: StatRequest) => {
  lstatInto(req.paths, new Float64Array(req.out), req.first);
  const done = new Int32Array(req.done);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});

// Int32Array[1] over workerData: set once this thread can take requests (the walk does not wait for it to start).
const ready = new Int32Array(workerData as SharedArrayBuffer);
Atomics.store(ready, 0, 1);
