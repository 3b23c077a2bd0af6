import { Worker } from 'node:worker_threads';
import { farSideFolderEntry } from '../../far-side/entry-path.js';
import type { TaskRef } from '../../tasks/task.js';

/**
 * Starts one far-side worker thread running `entry`. With `ref`, it loads that task at once; without, it boots and
 * waits for a `load` message naming the task (an early thread, below). execArgv: [] so a test runner's loader flags
 * are not inherited.
 */
export function startThreadWorker(entry: string, ref?: TaskRef): Worker {
  return new Worker(entry, { workerData: ref ? { ref } : {}, execArgv: [] });
}

let early: { worker: Worker; gone: boolean } | undefined;

/**
 * Starts a worker thread before the run knows its task, so that the thread's start (its isolate and modules: tens of
 * ms of CPU) overlaps the CLI loading and resolving the run, on the other core, instead of following it. The thread
 * backend's first lane adopts it ({@link takeEarlyThread}). Unreferenced until then: if the run never starts a thread
 * pool (bad input), it does not hold the CLI open, and it ends with the process.
 */
export function startEarlyThread(): void {
  if (early) return;
  let worker: Worker;
  try {
    worker = startThreadWorker(farSideFolderEntry('thread-entry.bundle'));
  } catch {
    return; // no compiled entry: the backend reports it when it starts
  }
  const state = { worker, gone: false };
  // one that failed or ended is not adopted
  worker.once('error', () => {
    state.gone = true;
  });
  worker.once('exit', () => {
    state.gone = true;
  });
  worker.unref();
  early = state;
}

/** The early thread, when there is one still running and not yet adopted; it is handed over (asked for once). */
export function takeEarlyThread(): Worker | undefined {
  const state = early;
  early = undefined;
  return state && !state.gone ? state.worker : undefined;
}
