import type { FarSideResult } from '../../far-side/run-batch.js';
import type { WireError } from '../../far-side/wire.js';

export { decodeFarSideError as errorFromFarSide } from '../../far-side/decode-error.js';

/**
 * What the main side sends to a worker thread or child process. `run`s may arrive while a batch is running; the far
 * side queues them and runs them one at a time, in arrival order. `batchId` and `version` are the batch's id and the
 * task version (see far-side/wire.ts); a worker loaded exactly one task, so its id is implied.
 */
export type ToFarSide = { type: 'run'; seq: number; batch: unknown; batchId?: string; version?: string };

/** What a worker thread or child process sends back. */
export type FromFarSide =
  /** The task is loaded; the worker takes batches from now on. */
  | { type: 'ready' }
  /** The task could not be loaded (bad module path, no task exported); the worker is useless. */
  | { type: 'init-error'; error: WireError }
  /** The batch `seq` starts now (queued `run`s start one after another). */
  | { type: 'started'; seq: number }
  | { type: 'result'; seq: number; result: FarSideResult }
  | { type: 'error'; seq: number; error: WireError }
  /** Text a worker thread wrote to stdout/stderr, sent in order with the results so none is lost at shutdown. */
  | { type: 'output'; text: string };
