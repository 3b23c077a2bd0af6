import { FanoutError, type FanoutErrorCode, type SerializedError, taskErrorFrom } from '../../errors.js';
import type { FarSideResult } from '../run-batch.js';

/** One batch for a worker: `seq` names the attempt in the replies. */
export interface RunRequest {
  seq: number;
  batch: unknown;
}

/**
 * What the main side sends to a worker thread or child process. A worker may hold several batches: it runs them
 * strictly one at a time, in the order they arrived. `runs` is several `run`s in one message (one clone, one IPC write).
 */
export type ToFarSide = ({ type: 'run' } & RunRequest) | { type: 'runs'; runs: RunRequest[] };

/** A reply about one batch. */
export type BatchReply =
  /** Sent just before the worker begins batch `seq`: the attempt's start on the timeline and its timeout clock. */
  | { type: 'started'; seq: number }
  | { type: 'result'; seq: number; result: FarSideResult }
  | { type: 'error'; seq: number; error: SerializedError };

/** What a worker thread or child process sends back. */
export type FromFarSide =
  /** The task is loaded; the worker takes batches from now on. */
  | { type: 'ready' }
  /** The task could not be loaded (bad module path, no task exported); the worker is useless. */
  | { type: 'init-error'; error: SerializedError }
  | BatchReply
  /** Several replies in one message, in order (a batch's result and the next batch's `started`, typically). */
  | { type: 'replies'; replies: BatchReply[] }
  /** Text a worker thread wrote to stdout/stderr, sent in order with the results so none is lost at shutdown. */
  | { type: 'output'; text: string };

/**
 * Rebuilds an error thrown on the far side. A {@link FanoutError} keeps its code (an input error stays EINPUT, as it
 * would inline); anything else the task threw becomes ETASK with the original message.
 */
export function errorFromFarSide(remote: SerializedError, batchId: string | undefined): FanoutError {
  if (remote.name === 'FanoutError' && typeof remote.code === 'string' && /^E[A-Z]+$/.test(remote.code)) {
    const err = new FanoutError(remote.code as FanoutErrorCode, remote.message, batchId ? { batchId } : {});
    if (remote.stack) err.stack = `FanoutError: ${remote.message}\n    [remote] ${remote.stack}`;
    return err;
  }
  if (batchId === undefined) {
    return new FanoutError('EINTERNAL', remote.message, { retryable: false });
  }
  return taskErrorFrom(remote, batchId);
}
