import type { AbortListener, AttemptHandle, BatchJob } from '../backends/backend.js';
import { FanoutError } from '../errors.js';

/**
 * One attempt in flight. It is also the attempt's {@link AttemptHandle}: a backend that queues the batch on a worker
 * stops its clock (`queued`) until the worker begins it (`started`), so neither the timeout nor the straggler test
 * counts time spent waiting behind another batch; and its cancellation, with an AbortController made only when a
 * backend asks for `signal`.
 */
export class Running implements AttemptHandle {
  readonly job: BatchJob;
  /** ms since epoch: when `run` was called, moved to the worker's real start by `started()`. */
  startedAt: number;
  /** Queued on a worker and not begun yet. */
  waiting = false;
  aborted = false;
  reason: unknown;
  readonly #now: () => number;
  #controller: AbortController | undefined;
  #listener: AbortListener | undefined;

  constructor(job: BatchJob, now: () => number) {
    this.job = job;
    this.#now = now;
    this.startedAt = now();
  }

  queued(): void {
    this.waiting = true;
  }

  started(): void {
    this.waiting = false;
    this.startedAt = this.#now();
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  listen(listener: AbortListener): void {
    this.#listener = listener;
  }

  unlisten(listener: AbortListener): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  /** Aborts the attempt with `reason` (once): its signal, if one was made, and its listener. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.handleEvent();
  }
}

/** What settling an attempt tells the scheduler. */
export interface Settled {
  /** Other copies of the same batch still running (speculation). */
  copiesLeft: number;
  /** Another copy of this batch already won: this attempt's result must be dropped. */
  alreadyDone: boolean;
}

/**
 * The attempts in flight, with what speculation needs on top: how many copies of each batch run, and which batches
 * already won while a copy still runs. Holds nothing for batches that are done, so it stays as small as the in-flight
 * limit however many batches a run has.
 */
export class InFlight {
  readonly #running = new Set<Running>();
  readonly #copies = new Map<string, number>();
  readonly #wonWhileRunning = new Set<string>();

  /** Attempts in flight. */
  get size(): number {
    return this.#running.size;
  }

  /** Every attempt in flight. */
  [Symbol.iterator](): IterableIterator<Running> {
    return this.#running.values();
  }

  /** Starts tracking an attempt. */
  add(entry: Running): void {
    this.#running.add(entry);
    this.#copies.set(entry.job.id, (this.#copies.get(entry.job.id) ?? 0) + 1);
  }

  /** Stops tracking an attempt that ended. */
  settle(entry: Running): Settled {
    this.#running.delete(entry);
    const id = entry.job.id;
    const copiesLeft = (this.#copies.get(id) ?? 1) - 1;
    if (copiesLeft > 0) this.#copies.set(id, copiesLeft);
    else this.#copies.delete(id);
    const alreadyDone = this.#wonWhileRunning.has(id);
    if (alreadyDone && copiesLeft === 0) this.#wonWhileRunning.delete(id);
    return { copiesLeft, alreadyDone };
  }

  /** Batch `id` succeeded while other copies still run: stop them; their results will be dropped. */
  won(id: string): void {
    this.#wonWhileRunning.add(id);
    for (const r of this.#running) {
      if (r.job.id === id) r.abort(new FanoutError('ECANCEL', 'superseded'));
    }
  }

  /** Aborts every attempt in flight with `reason`. */
  abortAll(reason: unknown): void {
    for (const r of this.#running) r.abort(reason);
  }

  /**
   * Cuts attempts running longer than `timeoutMs` (0: none) with ETIMEOUT. One sweep for every attempt rather than a
   * timer per attempt: at thousands of invokes a second, creating and clearing a timer each is measurable; an attempt is
   * cut at most one tick (≤ 5 % of the timeout) late. Not unref'd: like a timer per attempt would, it keeps the process
   * alive while a run is in progress, so a map that never settles still ends in ETIMEOUT instead of a silent exit.
   */
  sweepTimeouts(timeoutMs: number, now: () => number): ReturnType<typeof setInterval> | undefined {
    if (timeoutMs <= 0) return undefined;
    const tick = Math.min(1000, Math.max(5, Math.floor(timeoutMs / 20)));
    return setInterval(() => this.abortOverdue(now(), timeoutMs), tick);
  }

  /** Aborts every attempt that has run for `timeoutMs` or more (at `now`); a queued attempt has not started to run. */
  abortOverdue(now: number, timeoutMs: number): void {
    for (const r of this.#running) {
      if (r.waiting || now - r.startedAt < timeoutMs || r.aborted) continue;
      const id = r.job.id;
      r.abort(new FanoutError('ETIMEOUT', `batch ${id} timed out after ${timeoutMs} ms`, { batchId: id }));
    }
  }

  /** The attempt running longest beyond `thresholdMs`, skipping batches in `skip` and batches that already won. */
  oldestStraggler(now: number, thresholdMs: number, skip: ReadonlySet<string>): Running | undefined {
    let oldest: Running | undefined;
    for (const r of this.#running) {
      if (r.waiting || skip.has(r.job.id) || this.#wonWhileRunning.has(r.job.id)) continue;
      if (now - r.startedAt > thresholdMs && (!oldest || r.startedAt < oldest.startedAt)) oldest = r;
    }
    return oldest;
  }
}
