import type { AttemptHandle, Backend, BatchJob, BatchOutcome } from '../../orchestrator/backends/backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { DEFAULTS } from '../../orchestrator/options.js';
import type { SchedulerOptions } from '../../orchestrator/scheduler/scheduler.js';

/** Scripted behaviour of one attempt: succeed after `ms`, or fail with `error` after `ms`. */
export type Script = (job: BatchJob) => { ms: number; error?: FanoutError; partial?: unknown };

/** A backend driven by timers, for scheduler tests with fake timers. Records every attempt it saw. */
export class FakeBackend implements Backend {
  readonly name = 'fake';
  readonly seen: BatchJob[] = [];
  inFlight = 0;
  maxInFlight = 0;
  aborted = 0;
  cap: number;
  readonly #script: Script;

  constructor(script: Script, capacity = 2) {
    this.#script = script;
    this.cap = capacity;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  capacity(): number {
    return this.cap;
  }

  runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    const signal = attempt.signal;
    this.seen.push(job);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const plan = this.#script(job);
    return new Promise<BatchOutcome>((resolve, reject) => {
      const done = (): void => {
        this.inFlight--;
        signal.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        done();
        if (plan.error) reject(plan.error);
        else resolve({ partial: plan.partial ?? job.batch, workerId: `w${job.attempt}` });
      }, plan.ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        done();
        this.aborted++;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Queued batches 0..n-1 whose batch is the index. */
export function batches(n: number): { id: string; batch: number }[] {
  return Array.from({ length: n }, (_, i) => ({ id: String(i), batch: i }));
}

/** A retryable crash error. */
export const crash = (): FanoutError => new FanoutError('ECRASH', 'worker died');

/** Scheduler options as `fanout()` resolves them (options.ts DEFAULTS), but no timeout unless a test sets one. */
export function schedulerOptions(
  opts: Partial<SchedulerOptions> & Pick<SchedulerOptions, 'backend' | 'onResult'>,
): SchedulerOptions {
  return {
    timeoutMs: 0,
    retries: DEFAULTS.retries,
    throttleRetries: DEFAULTS.throttleRetries,
    speculate: false,
    ...opts,
  };
}
