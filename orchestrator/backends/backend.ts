import type { TaskOutput } from '../far-side/wire.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';

/** Names of the backends fanout ships. */
export const BACKEND_NAMES = ['inline', 'thread', 'process', 'lambda', 'hybrid'] as const;
/** A backend name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** One batch handed to a backend. `id` is stable across retries; the accumulator dedupes on it. */
export interface BatchJob {
  id: string;
  batch: unknown;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** True when this is a speculative duplicate of a straggler (hybrid places it on a side not running the batch). */
  speculative?: boolean;
}

/** What a backend returns for a batch that succeeded. */
export interface BatchOutcome {
  partial: unknown;
  /** Lane in the timeline: `process-1`, `thread-0`, `lambda-<instance>`, … */
  workerId: string;
  /** Which side ran it (for hybrid: `process` or `lambda`); defaults to the backend name. */
  side?: string;
  /** CPU (or busy) time of the worker for this batch, when measurable. */
  cpuMs?: number;
  /** Wall time of map on the far side. */
  durationMs?: number;
  /** Lambda: the instance was cold for this invoke. */
  coldStart?: boolean;
  /** On a cold start: the instance's init time, ms from its start (process or thread) to its first batch. */
  initMs?: number;
  /** What the map wrote to stdout/stderr on the far side, when it wrote anything. */
  output?: TaskOutput;
  /** Wall-clock start/end (ms since epoch) as seen by the caller. Filled by the scheduler if absent. */
  startedAt?: number;
  endedAt?: number;
}

/**
 * How a backend that queues batches on its workers (thread, process) tells the scheduler when a worker really began
 * one. Backends that start a batch as soon as `runAttempt` is called ignore it.
 */
export interface AttemptClock {
  /** The batch waits in a worker's queue: its timeout and straggler clocks do not run until {@link started}. */
  queued(): void;
  /** The worker begins the batch now: this is the attempt's start (timeline, timeout, speculation). */
  started(): void;
}

/** Told once when an attempt is aborted (the object itself is the listener: no closure per batch). */
export interface AbortListener {
  handleEvent(): void;
}

/**
 * An attempt's cancellation without an AbortSignal: the scheduler makes one AbortController per attempt only for a
 * backend that asks for its `signal`. At tens of thousands of tiny batches a second, a controller and its listeners
 * per batch were the largest cost of the dispatch path after the IPC itself.
 */
export interface AttemptCancel {
  readonly aborted: boolean;
  /** Why it was aborted (a FanoutError: ETIMEOUT, ECANCEL, the run's failure). */
  readonly reason: unknown;
  /** Calls `listener.handleEvent()` once, when the attempt is aborted; one listener at a time. */
  listen(listener: AbortListener): void;
  unlisten(listener: AbortListener): void;
}

/**
 * One attempt as the scheduler hands it to {@link Backend.runAttempt}: its clock, its cancellation, and a signal.
 * Outside the scheduler (a probe, a test), `attemptOf(signal)` in backends/signal-cancel.ts makes one from a signal.
 */
export interface AttemptHandle extends AttemptClock, AttemptCancel {
  /** An AbortSignal for the attempt, made on first use (for APIs that take one). */
  readonly signal: AbortSignal;
}

/** A side taken out of a run, and the fault that made it go. */
export interface DroppedSide {
  side: string;
  reason: string;
}

/** What a backend needs to know before it starts. */
export interface BackendStartContext {
  /** Where the far side finds the task. */
  task: TaskRef;
  /** The task object itself, for backends that run it in this thread (inline) and need not load it by reference. */
  instance?: AnyTask;
  /** The run's stop signal: a slow start (the emulator building) ends early when it aborts. */
  signal?: AbortSignal;
  /**
   * The run's batch count, when the task knows it up front (`countBatches`) and the backend is started for this one
   * run: a pool starts no more workers than there are batches (a run of one batch forks one child).
   */
  batches?: number;
}

/**
 * The one port every backend implements. A backend moves a batch to where it runs and brings the partial back; it never
 * knows what the task computes.
 *
 * Contract:
 * - `start` prepares workers (may be lazy); `stop` releases everything and is safe to call twice.
 * - `capacity()` is how many batches may be in flight at once right now (may change, e.g. Lambda throttling). A pool
 *   that queues batches on its workers counts the queued ones too (workers × queue depth); `parallelism()`, when
 *   present, is how many actually run at once (the workers).
 * - `runAttempt` resolves with the partial (and the side and lane that ran it) or rejects with a {@link FanoutError}
 *   (naming the side when a composite backend placed it); when the attempt is cancelled it rejects promptly and frees
 *   the slot (killing the worker if it must). A worker that dies mid-batch is replaced and the attempt rejects with
 *   ECRASH so the scheduler requeues the batch. Backends never write into the job.
 */
export interface Backend {
  readonly name: BackendName | string;
  /** The task this backend was started for (its far side loaded it); fanout() refuses to run another task on it. */
  readonly startedTask?: TaskRef | undefined;
  /** Largest JSON batch this backend can send (Lambda: 6 MB); `fanout()` subdivides bigger ones before sending. */
  readonly maxPayloadBytes?: number;
  /** Sides a composite backend (hybrid) took out of the run, and why (`stats.droppedSides`). */
  droppedSides?(): DroppedSide[];
  start(ctx: BackendStartContext): Promise<void>;
  capacity(): number;
  /** Batches that run at the same moment (workers), when less than `capacity()`. @default capacity() */
  parallelism?(): number;
  /** Runs one attempt of a batch: the one method for a batch (see the contract above). */
  runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome>;
  stop(): Promise<void>;
}

/** True when two task references name the same task. */
export function sameTaskRef(a: TaskRef, b: TaskRef): boolean {
  if (a.kind === 'builtin') return b.kind === 'builtin' && a.name === b.name;
  if (b.kind !== 'module' || (a.exportName ?? '') !== (b.exportName ?? '')) return false;
  // a bundled reference is the same task when it is the same source at the same version
  if (a.version !== undefined && b.version !== undefined) return a.version === b.version && a.source === b.source;
  return (a.source ?? a.path) === (b.source ?? b.path);
}
