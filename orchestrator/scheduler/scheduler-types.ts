import type { Backend, BatchJob, BatchOutcome } from '../backends/backend.js';
import type { FanoutError } from '../errors.js';
import type { BackoffOptions } from './backoff.js';

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
  /** Per-attempt timeout in ms; 0 disables. (The run's defaults are in options.ts DEFAULTS: none here.) */
  timeoutMs: number;
  /** Retries per batch for retryable errors other than throttling. */
  retries: number;
  /**
   * Retries per batch after ETHROTTLED, on top of `retries`: the one budget of a batch is `1 + retries +
   * throttleRetries` attempts, spent here only (backends never retry on their own).
   */
  throttleRetries: number;
  /** Backoff between attempts of a batch (faults and throttles alike; a larger Retry-After wins). */
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Re-run stragglers on a free slot once the queue is empty; the first result wins. */
  speculate: boolean;
  /** A straggler is a batch running longer than this factor × the median batch time… @default 1.5 */
  speculateFactor?: number;
  /**
   * …and longer than the median plus this margin, ms: for batches of a few ms a copy costs more (a dispatch, a core on
   * a shared machine) than it can save. @default 100
   */
  speculateMarginMs?: number;
  /** Called once per batch id, with the first successful outcome. May throw to fail the run. */
  onResult(id: string, outcome: BatchOutcome): void;
  /** Called for every attempt that ended (success, failure, cancelled duplicate). */
  onAttempt?(report: AttemptReport): void;
  onProgress?(progress: SchedulerProgress): void;
  /** Called once, at the first error that will fail the run (before in-flight work has settled). */
  onFailure?(error: FanoutError): void;
  /**
   * Splits a batch into smaller ones whose results merge to the same answer (run/subdivide.ts names them). When given,
   * a batch that fails with EPAYLOAD (its reply is too large for the backend) is replaced by its pieces.
   */
  subdivide?(batch: QueuedBatch): QueuedBatch[] | undefined;
  now?: () => number;
  random?: () => number;
}

/** Totals of a scheduler run. */
export interface SchedulerResult {
  batches: number;
  retries: number;
  speculated: number;
}
