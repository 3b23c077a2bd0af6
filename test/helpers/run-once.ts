import type { Backend, BatchJob, BatchOutcome } from '../../orchestrator/backends/backend.js';
import { attemptOf } from '../../orchestrator/backends/signal-cancel.js';

/** One attempt of `job` on `backend` outside the scheduler, cancelled by `signal`. */
export function runOnce(
  backend: Pick<Backend, 'runAttempt'>,
  job: BatchJob,
  signal: AbortSignal = new AbortController().signal,
): Promise<BatchOutcome> {
  return backend.runAttempt(job, attemptOf(signal));
}
