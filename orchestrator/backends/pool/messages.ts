import { FanoutError, type FanoutErrorCode, type SerializedError, taskErrorFrom } from '../../errors.js';
import type { FarSideResult } from '../run-batch.js';

/** What the main side sends to a worker thread or child process. One batch at a time per worker. */
export type ToFarSide = { type: 'run'; seq: number; batch: unknown };

/** What a worker thread or child process sends back. */
export type FromFarSide =
  /** The task is loaded; the worker takes batches from now on. */
  | { type: 'ready' }
  /** The task could not be loaded (bad module path, no task exported); the worker is useless. */
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; seq: number; result: FarSideResult }
  | { type: 'error'; seq: number; error: SerializedError }
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
