import { FanoutError } from '../../errors.js';
import type { FromFarSide, RunReply, RunRequest, ToFarSide } from '../../far-side/pool-messages.js';
import { decodeFarSideError } from '../../far-side/wire-error.js';
import type { AttemptCancel, AttemptClock, BatchJob, BatchOutcome } from '../backend.js';
import type { Lane } from './lane.js';
import { PoolAttempt } from './pool-attempt.js';
import { PoolSlots, type Slot } from './pool-slots.js';
import { QueueDepth } from './queue-depth.js';
import type { WorkerPoolOptions } from './worker-pool-options.js';

export type { WorkerPoolOptions } from './worker-pool-options.js';

/**
 * Times a batch may go back to the pool unstarted because its worker died: a `started` lost with a crashing worker
 * would otherwise let a batch that kills every worker it reaches loop for ever without counting an attempt.
 */
const MAX_SILENT_REQUEUES = 2;

/**
 * A fixed pool of worker lanes (threads or child processes), each holding up to `queueDepth` batches that it runs one
 * at a time. Lane `i` is always `<kind>-i`, also after its worker was replaced, so the timeline keeps one row per slot.
 *
 * Pipelining: with batches already queued on the far side, a worker starts its next batch the moment it finishes one,
 * instead of idling for a round trip. The far side says `started` before each batch, and only then does the attempt
 * start (its `startedAt`, the caller's {@link AttemptClock}): a batch waiting behind another is not yet running.
 *
 * Failures: a lane that dies mid-batch is replaced and the batch it was running rejects with ECRASH (retryable); a
 * batch whose signal aborts while running rejects at once with the signal's reason, and its lane is killed and
 * replaced (a CPU-bound map cannot be stopped from outside any other way). Either way the batches queued behind it on
 * that lane never started: they go back to the pool, are sent to another lane, and are not failed attempts. A batch
 * aborted while still queued rejects at once; its worker runs it anyway and the reply is dropped (unless nothing else
 * is left on that lane: then the lane is replaced, so an aborted run leaves no worker busy).
 */
export class WorkerPool {
  readonly #slots: PoolSlots;
  /** Attempts not yet sent to a lane, oldest first. */
  readonly #pending: PoolAttempt<Slot>[] = [];
  readonly #abortAttempt = (a: PoolAttempt<Slot>): void => this.#aborted(a);
  readonly #depth: QueueDepth;
  readonly #version: string;
  readonly #runRequest = (a: PoolAttempt<Slot>): RunRequest => ({
    seq: a.seq,
    batch: a.job.batch,
    batchId: a.job.id,
    version: this.#version,
  });
  readonly #dispatchNow = (): void => {
    this.#dispatchQueued = false;
    this.#dispatch();
  };
  #seq = 0;
  #dispatchQueued = false;
  #stopping: Promise<void> | undefined;

  constructor(opts: WorkerPoolOptions) {
    this.#depth = new QueueDepth(opts.queueDepth ?? 1);
    this.#version = opts.version;
    this.#slots = new PoolSlots(opts, {
      ready: () => this.#dispatchSoon(),
      reply: (slot, lane, msg) => this.#onReply(slot, lane, msg),
      exit: (slot, lane, detail) => this.#onExit(slot, lane, detail),
      allDead: (err) => {
        for (const a of this.#pending.splice(0)) a.settle(undefined, err);
      },
    });
  }

  /**
   * Starts every worker in parallel and resolves as soon as one is ready: batches go to the lanes that are ready, and
   * the others join as they come up (a run of a few batches does not wait for the slowest child's start). A lane that
   * fails to start after another one came up is replaced like a crashed one. When none comes up (a bad task module
   * fails them all alike), stops the pool and rejects with the first lane's error.
   */
  async start(): Promise<void> {
    let up = false;
    const failedEarly: Slot[] = [];
    const launches = this.#slots.all.map((slot) => {
      const launched = this.#slots.launch(slot);
      launched.catch(() => {
        if (up) this.#slots.replace(slot);
        else failedEarly.push(slot);
      });
      return launched;
    });
    try {
      await Promise.any(launches);
      up = true;
      for (const slot of failedEarly) this.#slots.replace(slot);
    } catch (err) {
      await this.stop();
      throw (err as AggregateError).errors[0];
    }
  }

  /**
   * Runs one batch: sends it to the lane with the shortest queue that has room, or holds it until one has. `clock`
   * hears `queued` now and `started` when the worker begins it; `cancel` is the attempt's cancellation.
   */
  runAttempt(job: BatchJob, cancel: AttemptCancel, clock?: AttemptClock): Promise<BatchOutcome> {
    if (cancel.aborted) return Promise.reject(cancel.reason);
    if (this.#stopping) return Promise.reject(new FanoutError('ECANCEL', 'backend stopped', { retryable: false }));
    const dead = this.#slots.deadError();
    if (dead) return Promise.reject(dead);
    const a = new PoolAttempt<Slot>(++this.#seq, job, cancel, clock, this.#abortAttempt);
    const promise = new Promise<BatchOutcome>((resolve, reject) => {
      a.resolve = resolve;
      a.reject = reject;
    });
    cancel.listen(a);
    clock?.queued();
    this.#pending.push(a);
    this.#dispatchSoon();
    return promise;
  }

  /** Stops every worker (SIGTERM / terminate, then SIGKILL after `graceMs`); rejects waiting and running batches. */
  stop(graceMs = 3000): Promise<void> {
    this.#stopping ??= this.#stopAll(graceMs);
    return this.#stopping;
  }

  /** Lanes in the pool. */
  get workers(): number {
    return this.#slots.all.length;
  }

  /** Batches the pool takes at once now: workers × the depth in use (see {@link QueueDepth}). */
  capacity(): number {
    return this.#slots.all.length * this.#depth.now;
  }

  /** Queues a dispatch after the current turn, once, so batches launched together go out together. */
  #dispatchSoon(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(this.#dispatchNow);
  }

  /**
   * Sends waiting attempts to lanes, oldest first. A lane is topped up only once its queue is down to `refillAt` (half
   * the depth in use, see {@link QueueDepth}): then the gap goes out in one message, so a worker gets one message per
   * K/2 batches rather than one per batch, and still never runs dry. Waiting attempts are shared evenly among the lanes
   * that are due, so the end of a run is not left on one worker.
   */
  #dispatch(): void {
    const pending = this.#pending;
    const depth = this.#depth;
    while (pending.length > 0) {
      let due = 0;
      let best: Slot | undefined;
      for (const s of this.#slots.all) {
        if (s.state !== 'ready' || s.queue.length > depth.refillAt || s.queue.length >= depth.now) continue;
        due++;
        if (!best || s.queue.length < best.queue.length) best = s;
      }
      if (!best) return;
      const n = Math.min(depth.now - best.queue.length, Math.ceil(pending.length / due));
      this.#send(best, pending.splice(0, n));
    }
  }

  #send(slot: Slot, attempts: PoolAttempt<Slot>[]): void {
    const lane = slot.lane as Lane;
    if (slot.queue.length === 0) lane.setBusy(true);
    for (const a of attempts) {
      a.slot = slot;
      slot.queue.push(a);
    }
    const only = attempts.length === 1 ? (attempts[0] as PoolAttempt<Slot>) : undefined;
    const msg: ToFarSide = only
      ? { type: 'run', ...this.#runRequest(only) }
      : { type: 'runs', runs: attempts.map(this.#runRequest) };
    try {
      lane.send(msg);
    } catch {
      // The channel closed under us: the lane is dying; its exit event requeues or rejects what it held.
      lane.kill(true);
    }
  }

  #onReply(slot: Slot, lane: Lane, msg: FromFarSide): void {
    if (slot.lane !== lane) return; // a lane we already replaced
    if (msg.type === 'replies') {
      for (const r of msg.replies) this.#onRunReply(slot, r);
    } else if (msg.type === 'started' || msg.type === 'result' || msg.type === 'error') {
      this.#onRunReply(slot, msg);
    }
    this.#dispatch();
  }

  #onRunReply(slot: Slot, msg: RunReply): void {
    const queue = slot.queue;
    let i = 0;
    while (i < queue.length && (queue[i] as PoolAttempt<Slot>).seq !== msg.seq) i++;
    const a = queue[i];
    if (!a) return; // stale
    if (msg.type === 'started') {
      a.startedAt = Date.now();
      if (!a.dropped) a.clock?.started();
      return;
    }
    queue.splice(i, 1);
    if (queue.length === 0) slot.lane?.setBusy(false);
    if (a.dropped) return;
    if (msg.type === 'result') {
      const { result } = msg;
      this.#depth.measured(result.durationMs);
      const endedAt = Date.now();
      a.settle({
        partial: result.partial,
        workerId: slot.workerId,
        cpuMs: result.cpuMs,
        durationMs: result.durationMs,
        ...(result.output ? { output: result.output } : {}),
        startedAt: a.startedAt || endedAt,
        endedAt,
      });
    } else {
      const err = decodeFarSideError(msg.error, a.job.id);
      // this attempt's own error (the task threw): its bar belongs in this worker's lane
      err.workerId ??= slot.workerId;
      a.settle(undefined, err);
    }
  }

  #aborted(a: PoolAttempt<Slot>): void {
    const reason = a.cancel.reason;
    const slot = a.slot;
    if (!slot) {
      const i = this.#pending.indexOf(a);
      if (i >= 0) this.#pending.splice(i, 1);
      a.settle(undefined, reason);
      return;
    }
    if (a.dropped || !slot.queue.includes(a)) return;
    a.settle(undefined, reason);
    a.dropped = true;
    // Kill the worker when it is running this batch, or when nothing it holds is still wanted.
    if (a.startedAt > 0 || slot.queue.every((q) => q.dropped)) this.#evict(slot, undefined);
  }

  /**
   * Takes lane `slot` out of service: kills it (unless it is already gone), rejects the batch it was running with
   * `crash` (when given), puts the batches queued behind it back in the pool, and starts a replacement.
   */
  #evict(slot: Slot, crash: ((a: PoolAttempt<Slot>) => FanoutError) | undefined): void {
    const lane = slot.lane;
    const held = slot.queue.splice(0);
    if (crash === undefined) lane?.kill(true);
    this.#slots.replace(slot);
    const requeue: PoolAttempt<Slot>[] = [];
    for (const a of held) {
      if (a.dropped) continue;
      if (crash) {
        // the batch it was running failed; one that never started is not at fault, unless this keeps happening
        if (a.startedAt > 0 || a.requeues >= MAX_SILENT_REQUEUES) {
          a.settle(undefined, crash(a));
          continue;
        }
        a.requeues++;
      }
      a.slot = undefined;
      requeue.push(a);
    }
    if (requeue.length === 0) return;
    this.#pending.unshift(...requeue);
    // Re-dispatch after the current turn: when the whole run is being aborted, the other aborts land first and take
    // their batches out of the pool instead of sending them to another lane.
    this.#dispatchSoon();
  }

  #onExit(slot: Slot, lane: Lane, detail: string): void {
    if (slot.lane !== lane) return; // an old lane we already replaced (abort) or a stopped pool
    this.#evict(slot, (a) => {
      const err = new FanoutError('ECRASH', `${slot.workerId} died while running batch ${a.job.id} (${detail})`, {
        batchId: a.job.id,
      });
      err.workerId = slot.workerId;
      return err;
    });
  }

  async #stopAll(graceMs: number): Promise<void> {
    const stopped = new FanoutError('ECANCEL', 'backend stopped', { retryable: false });
    for (const a of this.#pending.splice(0)) a.settle(undefined, stopped);
    for (const slot of this.#slots.all) {
      for (const a of slot.queue.splice(0)) if (!a.dropped) a.settle(undefined, stopped);
    }
    await this.#slots.stop(graceMs);
  }
}
