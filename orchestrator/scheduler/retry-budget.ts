import type { BatchJob } from '../backends/backend.js';
import type { FanoutError } from '../errors.js';
import { backoffDelay } from './backoff.js';
import type { SchedulerOptions } from './scheduler-types.js';

/**
 * One budget per batch: throttles (ETHROTTLED) draw on `throttleRetries`, every other retryable fault on `retries`,
 * and the backoff grows with the attempts of the kind that failed (a throttle after two faults starts short). Holds
 * state only for batches that were throttled and are not done.
 */
export class RetryBudget {
  readonly #opts: Pick<SchedulerOptions, 'retries' | 'throttleRetries' | 'backoff' | 'random'>;
  /** Throttled attempts so far of each batch not yet done. */
  readonly #throttled = new Map<string, number>();

  constructor(opts: Pick<SchedulerOptions, 'retries' | 'throttleRetries' | 'backoff' | 'random'>) {
    this.#opts = opts;
  }

  /** How long to wait before the next attempt of `job`, which failed with `error`; undefined when it may not retry. */
  nextDelay(job: BatchJob, error: FanoutError): number | undefined {
    const throttle = error.code === 'ETHROTTLED';
    const throttles = (this.#throttled.get(job.id) ?? 0) + (throttle ? 1 : 0);
    const faults = job.attempt - throttles;
    const overBudget = throttle ? throttles > this.#opts.throttleRetries : faults > this.#opts.retries;
    if (!error.retryable || overBudget) {
      this.#throttled.delete(job.id);
      return undefined;
    }
    if (throttles > 0) this.#throttled.set(job.id, throttles);
    return backoffDelay(
      throttle ? throttles : faults,
      this.#opts.backoff,
      this.#opts.random ?? Math.random,
      error.retryAfterMs,
    );
  }

  /** The batch is done (or gone): forget it. */
  forget(id: string): void {
    this.#throttled.delete(id);
  }
}
