import type { BatchJob, BatchOutcome } from '../backends/backend.js';
import { FanoutError, isFanoutError } from '../errors.js';
import { InFlight, Running } from './in-flight.js';
import { RetryBudget } from './retry-budget.js';
import type { QueuedBatch, SchedulerOptions, SchedulerResult } from './scheduler-types.js';
import { Speculation } from './speculation.js';
import { finalBatchError, toFanoutError } from './to-fanout-error.js';

export type {
  AttemptReport,
  QueuedBatch,
  SchedulerOptions,
  SchedulerProgress,
  SchedulerResult,
} from './scheduler-types.js';

/**
 * Runs every batch of `source` on `opts.backend` with bounded in-flight work, per-attempt timeouts, retries with
 * jittered backoff for retryable errors, optional speculation, and cancellation. Pulls from `source` only when a slot
 * is free, so an async source (a pipeline stage) gets backpressure instead of being buffered.
 *
 * Resolves when every batch has succeeded once; rejects with the first non-retryable error (or ECANCEL on abort), after
 * every in-flight attempt has settled. Memory does not grow with the number of batches: only batches in flight, waiting
 * for a retry, or pulled and not yet started are held.
 */
export function runScheduler(
  source: Iterable<QueuedBatch> | AsyncIterable<QueuedBatch>,
  opts: SchedulerOptions,
): Promise<SchedulerResult> {
  return new Promise((resolve, reject) => new SchedulerRun(source, opts, resolve, reject).start());
}

/** The state of one {@link runScheduler} call. */
class SchedulerRun {
  readonly #opts: SchedulerOptions;
  readonly #iterator: Iterator<QueuedBatch> | AsyncIterator<QueuedBatch>;
  readonly #resolve: (r: SchedulerResult) => void;
  readonly #reject: (e: unknown) => void;
  readonly #now: () => number;
  readonly #ready: BatchJob[] = [];
  readonly #running = new InFlight();
  readonly #pendingRetries = new Set<ReturnType<typeof setTimeout>>();
  readonly #speculation: Speculation;
  readonly #budget: RetryBudget;
  readonly #onAbort = (): void => {
    const reason = this.#opts.signal?.reason;
    this.#fail(
      isFanoutError(reason) ? reason : new FanoutError('ECANCEL', 'run aborted', { cause: reason, retryable: false }),
    );
  };
  #pulled = 0;
  #completed = 0;
  #exhausted = false;
  #pulling = false;
  #pumping = false;
  #retries = 0;
  #failure: FanoutError | undefined;
  #settled = false;
  #progressThrew = false;
  #specTimer: ReturnType<typeof setInterval> | undefined;
  #timeoutSweep: ReturnType<typeof setInterval> | undefined;

  constructor(
    source: Iterable<QueuedBatch> | AsyncIterable<QueuedBatch>,
    opts: SchedulerOptions,
    resolve: (r: SchedulerResult) => void,
    reject: (e: unknown) => void,
  ) {
    this.#opts = opts;
    this.#iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    this.#resolve = resolve;
    this.#reject = reject;
    this.#now = opts.now ?? Date.now;
    this.#budget = new RetryBudget(opts);
    this.#speculation = new Speculation(opts);
  }

  start(): void {
    if (this.#opts.signal?.aborted) {
      this.#onAbort();
      return;
    }
    this.#opts.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#timeoutSweep = this.#running.sweepTimeouts(this.#opts.timeoutMs, this.#now);
    if (this.#opts.speculate) {
      // Speculation needs a clock tick to notice stragglers while nothing else happens.
      this.#specTimer = setInterval(() => this.#pump(), 50);
      this.#specTimer.unref?.();
    }
    this.#pump();
  }

  #limit(): number {
    return Math.max(1, Math.min(this.#opts.concurrency ?? Number.POSITIVE_INFINITY, this.#opts.backend.capacity()));
  }

  #progress(): void {
    if (!this.#opts.onProgress || this.#progressThrew) return;
    try {
      this.#opts.onProgress({
        done: this.#completed,
        total: this.#exhausted ? this.#pulled : undefined,
        inFlight: this.#running.size,
        retries: this.#retries,
      });
    } catch (err) {
      // Called from promise callbacks: a throw escaping here would be an unhandled rejection (crashing the process)
      // and would skip the pump, hanging the run. Fail the run cleanly instead, and stop calling the broken callback.
      this.#progressThrew = true;
      const message = err instanceof Error ? err.message : String(err);
      this.#fail(new FanoutError('EINPUT', `onProgress callback threw: ${message}`, { cause: err, retryable: false }));
    }
  }

  #finish(): void {
    if (this.#settled) return;
    if (this.#failure) {
      if (this.#running.size > 0 || this.#pulling) return; // wait for in-flight attempts to settle
      this.#settle();
      for (const t of this.#pendingRetries) clearTimeout(t);
      const failure = this.#failure;
      void this.#closeSource().finally(() => this.#reject(failure));
      return;
    }
    const allDone = this.#completed === this.#pulled && this.#running.size === 0 && this.#ready.length === 0;
    if (this.#exhausted && !this.#pulling && allDone) {
      this.#settle();
      this.#resolve({ batches: this.#completed, retries: this.#retries, speculated: this.#speculation.count });
    }
  }

  #settle(): void {
    this.#settled = true;
    if (this.#specTimer) clearInterval(this.#specTimer);
    if (this.#timeoutSweep) clearInterval(this.#timeoutSweep);
    this.#opts.signal?.removeEventListener('abort', this.#onAbort);
  }

  async #closeSource(): Promise<void> {
    try {
      await this.#iterator.return?.();
    } catch {
      // the source's own cleanup failed; the run's error is the one to report
    }
  }

  #fail(err: FanoutError): void {
    if (!this.#failure) {
      this.#failure = err;
      // lets the owner stop an async source (a fetch stage) that a pending pull may be waiting on
      this.#opts.onFailure?.(err);
    }
    this.#running.abortAll(err);
    this.#finish();
  }

  #launch(job: BatchJob): void {
    const entry = new Running(job, this.#now);
    this.#running.add(entry);
    let promise: Promise<BatchOutcome>;
    try {
      promise = this.#opts.backend.runAttempt(job, entry);
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      (outcome) => this.#onSettled(entry, outcome, undefined),
      (err: unknown) => this.#onSettled(entry, undefined, err),
    );
  }

  #onSettled(entry: Running, outcome: BatchOutcome | undefined, err: unknown): void {
    const { job } = entry;
    const { copiesLeft, alreadyDone } = this.#running.settle(entry);
    const endedAt = this.#now();
    const attempt = { job, startedAt: entry.startedAt, endedAt };
    if (outcome && !this.#failure) {
      if (alreadyDone) {
        this.#opts.onAttempt?.({ ...attempt, outcome, cancelled: true });
      } else {
        this.#succeeded(entry, outcome, copiesLeft, endedAt);
      }
    } else if (outcome === undefined) {
      const error = toFanoutError(entry.aborted ? (entry.reason ?? err) : err, job.id);
      const cancelled =
        alreadyDone || (this.#failure !== undefined && error.code === 'ECANCEL') || error === this.#failure;
      // an aborted attempt ends with the abort's reason; the copy a composite backend (hybrid) threw names the side
      const named = isFanoutError(err) && err.side !== undefined && err.code === error.code && !error.side;
      this.#opts.onAttempt?.({ ...attempt, error: named ? err : error, cancelled });
      // with a speculative twin still running, let the twin decide
      if (!alreadyDone && !this.#failure && copiesLeft === 0) this.#failed(job, error);
    }
    this.#progress();
    this.#pump();
  }

  #succeeded(entry: Running, outcome: BatchOutcome, copiesLeft: number, endedAt: number): void {
    const { job } = entry;
    this.#completed++;
    this.#speculation.succeeded(job.id, endedAt - entry.startedAt);
    this.#budget.forget(job.id);
    this.#opts.onAttempt?.({ job, startedAt: entry.startedAt, endedAt, outcome });
    try {
      this.#opts.onResult(job.id, outcome);
    } catch (mergeErr) {
      this.#fail(toFanoutError(mergeErr, job.id));
    }
    // the first copy won: stop the other copies of this batch
    if (copiesLeft > 0) this.#running.won(job.id);
  }

  #failed(job: BatchJob, error: FanoutError): void {
    this.#speculation.failed(job.id);
    if (error.code === 'EPAYLOAD' && this.#subdivided(job)) return;
    const wait = this.#budget.nextDelay(job, error);
    if (wait === undefined) {
      this.#fail(finalBatchError(error, job.id, job.attempt));
      return;
    }
    this.#retries++;
    const next: BatchJob = { id: job.id, batch: job.batch, attempt: job.attempt + 1 };
    const t = setTimeout(() => {
      this.#pendingRetries.delete(t);
      this.#ready.push(next);
      this.#pump();
    }, wait);
    this.#pendingRetries.add(t);
  }

  /** Replaces a batch whose reply was too large by its pieces; false when it cannot be split further. */
  #subdivided(job: BatchJob): boolean {
    const pieces = this.#opts.subdivide?.({ id: job.id, batch: job.batch });
    if (!pieces || pieces.length < 2) return false;
    // the parent counts as pulled once; each piece is one more batch to complete
    this.#pulled += pieces.length - 1;
    for (const p of pieces) this.#ready.push({ id: p.id, batch: p.batch, attempt: 1 });
    return true;
  }

  #pull(): void {
    this.#pulling = true;
    let step: IteratorResult<QueuedBatch> | Promise<IteratorResult<QueuedBatch>>;
    try {
      step = this.#iterator.next();
    } catch (err) {
      this.#pulling = false;
      this.#fail(toFanoutError(err, undefined));
      return;
    }
    const onStep = (r: IteratorResult<QueuedBatch>): void => {
      this.#pulling = false;
      if (r.done) {
        this.#exhausted = true;
      } else {
        this.#pulled++;
        this.#ready.push({ id: r.value.id, batch: r.value.batch, attempt: 1 });
      }
      this.#progress();
      this.#pump();
    };
    if (step instanceof Promise) {
      step.then(onStep, (err: unknown) => {
        this.#pulling = false;
        this.#fail(toFanoutError(err, undefined));
      });
    } else {
      onStep(step);
    }
  }

  #pump(): void {
    if (this.#pumping || this.#settled) return;
    this.#pumping = true;
    try {
      while (!this.#failure && this.#running.size < this.#limit()) {
        const job = this.#ready.shift();
        if (job) {
          this.#launch(job);
          continue;
        }
        if (!this.#exhausted) {
          if (!this.#pulling) this.#pull();
          if (this.#pulling) break; // async source: wait for the next batch
          continue;
        }
        const copy = this.#pendingRetries.size === 0 ? this.#speculation.next(this.#running, this.#now()) : undefined;
        if (copy) {
          this.#launch(copy);
          continue;
        }
        break;
      }
    } finally {
      this.#pumping = false;
    }
    this.#finish();
  }
}
