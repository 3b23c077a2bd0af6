import type { AttemptCancel, AttemptClock, BatchJob, BatchOutcome } from '../backend.js';

/** One attempt handed to the pool, from `run` until its reply (or its worker's end). */
export class PoolAttempt<S> {
  readonly seq: number;
  readonly job: BatchJob;
  readonly cancel: AttemptCancel;
  readonly clock: AttemptClock | undefined;
  readonly #onAbort: (a: PoolAttempt<S>) => void;
  resolve: (o: BatchOutcome) => void = noop;
  reject: (err: unknown) => void = noop;
  /** The slot it was sent to; undefined while it waits in the pool. */
  slot: S | undefined;
  /** When its worker began it (ms since epoch); 0 until the far side's `started`. */
  startedAt = 0;
  /** Its caller gave up (abort) after it was sent: the worker still runs it, and its reply is ignored. */
  dropped = false;
  /** Times it went back to the pool because the worker it was queued on died before starting it. */
  requeues = 0;

  constructor(
    seq: number,
    job: BatchJob,
    cancel: AttemptCancel,
    clock: AttemptClock | undefined,
    onAbort: (a: PoolAttempt<S>) => void,
  ) {
    this.seq = seq;
    this.job = job;
    this.cancel = cancel;
    this.clock = clock;
    this.#onAbort = onAbort;
  }

  /** The abort listener: the attempt itself, so no closure is made per batch. */
  handleEvent(): void {
    this.#onAbort(this);
  }

  /** Ends the attempt for its caller (once; later calls are ignored). */
  settle(outcome: BatchOutcome | undefined, err?: unknown): void {
    const { resolve, reject } = this;
    this.resolve = noop;
    this.reject = noop;
    this.cancel.unlisten(this);
    if (outcome) resolve(outcome);
    else reject(err);
  }
}

function noop(): void {}
