import type { Backend, BatchJob, BatchOutcome } from '../backends/backend.js';
import { FanoutError, isFanoutError } from '../errors.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';

/** A batch waiting to run: stable id plus the JSON batch. */
export interface QueuedBatch {
  id: string;
  batch: unknown;
}

/** What the scheduler reports for every attempt that ended. */
export interface AttemptReport {
  job: BatchJob;
  /** ms since epoch */
  startedAt: number;
  endedAt: number;
  outcome?: BatchOutcome;
  error?: FanoutError;
  /** True when this attempt was aborted because another copy of the batch already won, or the run stopped. */
  cancelled?: boolean;
}

/** Scheduler progress snapshot. */
export interface SchedulerProgress {
  done: number;
  /** Known once the source is exhausted. */
  total: number | undefined;
  inFlight: number;
  retries: number;
}

/** Options of {@link runScheduler}. */
export interface SchedulerOptions {
  backend: Backend;
  /** Most batches in flight. @default backend.capacity() */
  concurrency?: number;
  /** Per-attempt timeout in ms; 0 disables. @default 0 */
  timeoutMs?: number;
  /** Retries per batch for retryable errors. @default 2 */
  retries?: number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Re-run stragglers on a free slot once the queue is empty; the first result wins. @default false */
  speculate?: boolean;
  /** A straggler is a batch running longer than this factor × the median batch time. @default 1.5 */
  speculateFactor?: number;
  /** Called once per batch id, with the first successful outcome. May throw to fail the run. */
  onResult(id: string, outcome: BatchOutcome): void;
  /** Called for every attempt that ended (success, failure, cancelled duplicate). */
  onAttempt?(report: AttemptReport): void;
  onProgress?(progress: SchedulerProgress): void;
  /** Called once, at the first error that will fail the run (before in-flight work has settled). */
  onFailure?(error: FanoutError): void;
  now?: () => number;
  random?: () => number;
}

/** Totals of a scheduler run. */
export interface SchedulerResult {
  batches: number;
  retries: number;
  speculated: number;
}

interface Running {
  job: BatchJob;
  controller: AbortController;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs every batch of `source` on `backend` with bounded in-flight work, per-attempt timeouts, retries with jittered
 * backoff for retryable errors, optional speculation, and cancellation. Pulls from `source` only when a slot is free,
 * so an async source (a pipeline stage) gets backpressure instead of being buffered.
 *
 * Resolves when every batch has succeeded once; rejects with the first non-retryable error (or ECANCEL on abort), after
 * every in-flight attempt has settled.
 */
export function runScheduler(
  source: Iterable<QueuedBatch> | AsyncIterable<QueuedBatch>,
  opts: SchedulerOptions,
): Promise<SchedulerResult> {
  const { backend } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const maxRetries = opts.retries ?? 2;
  const timeoutMs = opts.timeoutMs ?? 0;
  const factor = opts.speculateFactor ?? 1.5;
  const iterator: Iterator<QueuedBatch> | AsyncIterator<QueuedBatch> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();

  const ready: BatchJob[] = [];
  const running = new Set<Running>();
  const pendingRetries = new Set<ReturnType<typeof setTimeout>>();
  const done = new Set<string>();
  const attemptsOf = new Map<string, number>();
  const speculatedIds = new Set<string>();
  const durations: number[] = [];
  let pulled = 0;
  let exhausted = false;
  let pulling = false;
  let retries = 0;
  let speculated = 0;
  let failure: FanoutError | undefined;
  let settled = false;

  return new Promise<SchedulerResult>((resolve, reject) => {
    const limit = (): number => Math.max(1, Math.min(opts.concurrency ?? Number.POSITIVE_INFINITY, backend.capacity()));

    const progress = (): void =>
      opts.onProgress?.({ done: done.size, total: exhausted ? pulled : undefined, inFlight: running.size, retries });

    const finish = (): void => {
      if (settled) return;
      if (failure) {
        if (running.size > 0 || pulling) return; // wait for in-flight attempts to settle
        settled = true;
        for (const t of pendingRetries) clearTimeout(t);
        opts.signal?.removeEventListener('abort', onAbort);
        void closeSource().finally(() => reject(failure));
        return;
      }
      if (exhausted && !pulling && done.size === pulled && running.size === 0 && ready.length === 0) {
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ batches: done.size, retries, speculated });
      }
    };

    const closeSource = async (): Promise<void> => {
      try {
        await iterator.return?.();
      } catch {
        // the source's own cleanup failed; the run's error is the one to report
      }
    };

    const fail = (err: FanoutError): void => {
      if (!failure) {
        failure = err;
        // lets the owner stop an async source (a fetch stage) that a pending pull may be waiting on
        opts.onFailure?.(err);
      }
      for (const r of running) r.controller.abort(err);
      finish();
    };

    const onAbort = (): void => {
      const reason = opts.signal?.reason;
      fail(
        isFanoutError(reason) ? reason : new FanoutError('ECANCEL', 'run aborted', { cause: reason, retryable: false }),
      );
    };
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const launch = (job: BatchJob): void => {
      const controller = new AbortController();
      const entry: Running = { job, controller, startedAt: now(), timer: undefined };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          controller.abort(
            new FanoutError('ETIMEOUT', `batch ${job.id} timed out after ${timeoutMs} ms`, { batchId: job.id }),
          );
        }, timeoutMs);
      }
      running.add(entry);
      let promise: Promise<BatchOutcome>;
      try {
        promise = backend.run(job, controller.signal);
      } catch (err) {
        promise = Promise.reject(err);
      }
      promise.then(
        (outcome) => settle(entry, outcome, undefined),
        (err: unknown) => settle(entry, undefined, err),
      );
    };

    const settle = (entry: Running, outcome: BatchOutcome | undefined, err: unknown): void => {
      if (entry.timer) clearTimeout(entry.timer);
      running.delete(entry);
      const { job } = entry;
      const endedAt = now();
      const alreadyDone = done.has(job.id);
      if (outcome && !failure) {
        if (alreadyDone) {
          opts.onAttempt?.({ job, startedAt: entry.startedAt, endedAt, outcome, cancelled: true });
        } else {
          done.add(job.id);
          durations.push(endedAt - entry.startedAt);
          opts.onAttempt?.({ job, startedAt: entry.startedAt, endedAt, outcome });
          try {
            opts.onResult(job.id, outcome);
          } catch (mergeErr) {
            fail(toFanoutError(mergeErr, job.id));
          }
          // the first copy won: stop the other copies of this batch
          for (const r of running)
            if (r.job.id === job.id) r.controller.abort(new FanoutError('ECANCEL', 'superseded'));
        }
      } else if (outcome === undefined) {
        const error = entry.controller.signal.aborted
          ? toFanoutError(entry.controller.signal.reason ?? err, job.id)
          : toFanoutError(err, job.id);
        const cancelled = alreadyDone || (failure !== undefined && error.code === 'ECANCEL') || error === failure;
        opts.onAttempt?.({ job, startedAt: entry.startedAt, endedAt, error, cancelled });
        if (!alreadyDone && !failure) {
          const hasTwin = [...running].some((r) => r.job.id === job.id);
          if (hasTwin) {
            // a speculative twin is still running: let it decide
          } else if (error.retryable && job.attempt <= maxRetries) {
            retries++;
            const wait = backoffDelay(job.attempt, opts.backoff, random, error.retryAfterMs);
            const next: BatchJob = { id: job.id, batch: job.batch, attempt: job.attempt + 1 };
            attemptsOf.set(job.id, next.attempt);
            const t = setTimeout(() => {
              pendingRetries.delete(t);
              ready.push(next);
              pump();
            }, wait);
            pendingRetries.add(t);
          } else {
            const final =
              error.code === 'ETASK' || error.code === 'EREMOTE' || job.attempt > 1
                ? new FanoutError(
                    error.code,
                    `batch ${job.id} failed after ${job.attempt} attempt(s): ${error.message}`,
                    {
                      cause: error,
                      batchId: job.id,
                      retryable: false,
                    },
                  )
                : error;
            fail(final);
          }
        }
      }
      progress();
      pump();
    };

    const pull = (): void => {
      pulling = true;
      let step: IteratorResult<QueuedBatch> | Promise<IteratorResult<QueuedBatch>>;
      try {
        step = iterator.next();
      } catch (err) {
        pulling = false;
        fail(toFanoutError(err, undefined));
        return;
      }
      const onStep = (r: IteratorResult<QueuedBatch>): void => {
        pulling = false;
        if (r.done) {
          exhausted = true;
        } else {
          pulled++;
          attemptsOf.set(r.value.id, 1);
          ready.push({ id: r.value.id, batch: r.value.batch, attempt: 1 });
        }
        progress();
        pump();
      };
      if (step instanceof Promise) {
        step.then(onStep, (err: unknown) => {
          pulling = false;
          fail(toFanoutError(err, undefined));
        });
      } else {
        onStep(step);
      }
    };

    const speculate = (): boolean => {
      if (!opts.speculate || durations.length === 0) return false;
      const sorted = [...durations].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] as number;
      const t = now();
      let oldest: Running | undefined;
      for (const r of running) {
        if (speculatedIds.has(r.job.id) || done.has(r.job.id)) continue;
        if (t - r.startedAt > factor * median && (!oldest || r.startedAt < oldest.startedAt)) oldest = r;
      }
      if (!oldest) return false;
      speculatedIds.add(oldest.job.id);
      speculated++;
      const { side, ...original } = oldest.job;
      launch({ ...original, speculative: true, ...(side ? { avoidSide: side } : {}) });
      return true;
    };

    let pumping = false;
    const pump = (): void => {
      if (pumping || settled) return;
      pumping = true;
      try {
        while (!failure && running.size < limit()) {
          const job = ready.shift();
          if (job) {
            launch(job);
            continue;
          }
          if (!exhausted) {
            if (!pulling) pull();
            if (pulling) break; // async source: wait for the next batch
            continue;
          }
          if (pendingRetries.size === 0 && speculate()) continue;
          break;
        }
      } finally {
        pumping = false;
      }
      finish();
    };

    // Speculation needs a clock tick to notice stragglers while nothing else happens.
    let specTimer: ReturnType<typeof setInterval> | undefined;
    if (opts.speculate) {
      specTimer = setInterval(pump, 50);
      specTimer.unref?.();
    }
    const cleanup = (): void => {
      if (specTimer) clearInterval(specTimer);
    };
    const origResolve = resolve;
    const origReject = reject;
    resolve = ((v: SchedulerResult) => {
      cleanup();
      origResolve(v);
    }) as typeof resolve;
    reject = ((e: unknown) => {
      cleanup();
      origReject(e);
    }) as typeof reject;

    pump();
  });
}

/** Normalises anything a backend rejects with into a {@link FanoutError}. */
export function toFanoutError(err: unknown, batchId: string | undefined): FanoutError {
  if (isFanoutError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new FanoutError('ECANCEL', 'run aborted', { cause: err, batchId, retryable: false });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new FanoutError('EINTERNAL', message, { cause: err, batchId, retryable: false });
}
