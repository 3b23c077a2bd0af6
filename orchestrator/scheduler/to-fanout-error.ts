import { FanoutError, isFanoutError } from '../errors.js';
import { count } from '../plural.js';

/** Normalises anything a backend rejects with into a {@link FanoutError}. */
export function toFanoutError(err: unknown, batchId: string | undefined): FanoutError {
  if (isFanoutError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new FanoutError('ECANCEL', 'run aborted', { cause: err, batchId, retryable: false });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new FanoutError('EINTERNAL', message, { cause: err, batchId, retryable: false });
}

/** The error that fails the run for a batch that ran out of attempts: it names the batch and the attempts made. */
export function finalBatchError(error: FanoutError, batchId: string, attempt: number): FanoutError {
  if (error.code !== 'ETASK' && error.code !== 'EREMOTE' && attempt <= 1) return error;
  return new FanoutError(error.code, `batch ${batchId} failed after ${count(attempt, 'attempt')}: ${error.message}`, {
    cause: error,
    batchId,
    retryable: false,
  });
}
