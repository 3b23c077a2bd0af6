import { FanoutError } from '../../errors.js';
import type { BatchJob, BatchOutcome } from '../backend.js';
import type { Lane, SpawnLane } from './lane.js';
import { type LaunchedLane, launchLane } from './launch-lane.js';
import { errorFromFarSide, type FromFarSide } from './messages.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** `thread` or `process`: prefix of the worker ids (`thread-0`). */
  kind: string;
  workers: number;
  spawn: SpawnLane;
  /** How long a new worker may take to load its task and say ready. @default 30000 */
  readyTimeoutMs?: number;
}

/** Emitted when a batch is handed to a worker (a test hook: kill the worker while it runs). */
export interface BatchStartEvent {
  slot: number;
  workerId: string;
  jobId: string;
  pid: number | undefined;
}

interface Current {
  seq: number;
  job: BatchJob;
  resolve(msg: Extract<FromFarSide, { type: 'result' }>): void;
  reject(err: unknown): void;
}

interface Slot {
  index: number;
  lane: Lane | undefined;
  state: 'starting' | 'idle' | 'busy' | 'dead' | 'stopped';
  current: Current | undefined;
  /** Consecutive failed (re)starts; a slot that keeps failing is given up. */
  failures: number;
  error: FanoutError | undefined;
}

/** Restarts of one slot that may fail in a row before the slot is given up. */
const MAX_RESTART_FAILURES = 3;

/**
 * A fixed pool of worker lanes (threads or child processes), one batch per lane at a time. Lane `i` is always
 * `<kind>-i`, also after its worker was replaced, so the timeline keeps one row per slot.
 *
 * A lane that dies mid-batch is replaced and that batch rejects with ECRASH (retryable). A batch whose signal aborts
 * rejects at once with the signal's reason, and its lane is killed and replaced: a CPU-bound map cannot be stopped
 * from outside any other way.
 */
export class WorkerPool {
  readonly #opts: WorkerPoolOptions;
  readonly #slots: Slot[];
  readonly #waiters: { resolve(slot: Slot): void; reject(err: unknown): void }[] = [];
  readonly #exits = new Map<Lane, Promise<void>>();
  readonly #startListeners = new Set<(e: BatchStartEvent) => void>();
  #seq = 0;
  #stopping: Promise<void> | undefined;

  constructor(opts: WorkerPoolOptions) {
    this.#opts = opts;
    this.#slots = Array.from({ length: opts.workers }, (_, index) => ({
      index,
      lane: undefined,
      state: 'starting' as const,
      current: undefined,
      failures: 0,
      error: undefined,
    }));
  }

  /** Starts every worker in parallel and resolves when all are ready; on failure stops the pool and rejects. */
  async start(): Promise<void> {
    const started = await Promise.allSettled(this.#slots.map((s) => this.#launch(s)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  /** Runs one batch on a free lane (waiting for one if needed). */
  async run(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
    signal.throwIfAborted();
    const slot = await this.#acquire(signal);
    const lane = slot.lane;
    if (!lane) throw new FanoutError('ECRASH', `${this.workerId(slot.index)} is restarting`, { batchId: job.id });
    if (signal.aborted) {
      this.#release(slot);
      throw signal.reason;
    }
    const workerId = this.workerId(slot.index);
    const seq = ++this.#seq;
    const startedAt = Date.now();
    return new Promise<BatchOutcome>((resolve, reject) => {
      const onAbort = (): void => {
        if (slot.current?.seq !== seq) return;
        slot.current = undefined;
        reject(signal.reason);
        lane.kill(true);
        this.#replace(slot);
      };
      slot.current = {
        seq,
        job,
        resolve: ({ result }) => {
          signal.removeEventListener('abort', onAbort);
          resolve({
            partial: result.partial,
            workerId,
            cpuMs: result.cpuMs,
            durationMs: result.durationMs,
            startedAt,
            endedAt: Date.now(),
          });
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          // this attempt's own error (the task threw, the lane crashed): its bar belongs in this worker's lane
          if (err instanceof FanoutError && err.workerId === undefined) err.workerId = workerId;
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      lane.setBusy(true);
      try {
        lane.send({ type: 'run', seq, batch: job.batch, batchId: job.id });
      } catch {
        // The channel closed under us: the lane is dying; its exit event rejects this batch with ECRASH.
        lane.kill(true);
        return;
      }
      for (const listener of this.#startListeners)
        listener({ slot: slot.index, workerId, jobId: job.id, pid: lane.pid });
    });
  }

  /** Stops every worker (SIGTERM / terminate, then SIGKILL after `graceMs`); rejects waiting and running batches. */
  stop(graceMs = 3000): Promise<void> {
    this.#stopping ??= this.#stopAll(graceMs);
    return this.#stopping;
  }

  /** The id of slot `i`'s lane in stats and the timeline. */
  workerId(slot: number): string {
    return `${this.#opts.kind}-${slot}`;
  }

  /** Current lane of each slot (undefined while none), for test hooks. */
  lanes(): (Lane | undefined)[] {
    return this.#slots.map((s) => s.lane);
  }

  /** Workers started and not yet exited (including ones being replaced). */
  liveWorkers(): number {
    return this.#exits.size;
  }

  /** Kills slot `slot`'s worker as if it crashed; resolves once it has exited. */
  async kill(slot: number): Promise<void> {
    const lane = this.#slots[slot]?.lane;
    if (!lane) return;
    const exited = this.#exits.get(lane);
    lane.kill(true);
    await exited;
  }

  /** Resolves with the next batch handed to a worker. */
  nextBatchStart(): Promise<BatchStartEvent> {
    return new Promise((resolve) => {
      const listener = (e: BatchStartEvent): void => {
        this.#startListeners.delete(listener);
        resolve(e);
      };
      this.#startListeners.add(listener);
    });
  }

  #launch(slot: Slot): Promise<void> {
    slot.state = 'starting';
    let launched: LaunchedLane;
    try {
      launched = launchLane({
        spawn: this.#opts.spawn,
        slot: slot.index,
        id: this.workerId(slot.index),
        readyTimeoutMs: this.#opts.readyTimeoutMs ?? 30_000,
        onReply: (lane, msg) => this.#onReply(slot, lane, msg),
        onExit: (lane, detail) => this.#onExit(slot, lane, detail),
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const { lane } = launched;
    slot.lane = lane;
    this.#exits.set(lane, launched.exited);
    void launched.exited.then(() => this.#exits.delete(lane));
    return launched.ready.then(() => {
      if (slot.lane === lane && slot.state === 'starting') this.#release(slot);
    });
  }

  /** Starts a fresh worker in `slot` (after a crash or an abort); gives the slot up after repeated failures. */
  #replace(slot: Slot): void {
    slot.lane = undefined;
    if (this.#stopping) {
      slot.state = 'stopped';
      return;
    }
    this.#launch(slot).then(
      () => {
        slot.failures = 0;
      },
      (err: unknown) => {
        slot.failures++;
        if (this.#stopping) return;
        if (slot.failures >= MAX_RESTART_FAILURES) {
          slot.state = 'dead';
          slot.error = err instanceof FanoutError ? err : new FanoutError('ECRASH', String(err));
          this.#failWaitersIfAllDead();
        } else {
          setTimeout(() => this.#replace(slot), 100 * slot.failures).unref();
        }
      },
    );
  }

  #onReply(slot: Slot, lane: Lane, msg: FromFarSide): void {
    if (msg.type === 'started') return; // one batch per lane here: it started when it was sent
    const current = slot.current;
    if (slot.lane !== lane || !current || !('seq' in msg) || msg.seq !== current.seq) return; // stale reply
    slot.current = undefined;
    if (msg.type === 'result') current.resolve(msg);
    else if (msg.type === 'error') current.reject(errorFromFarSide(msg.error, current.job.id));
    this.#release(slot);
  }

  #onExit(slot: Slot, lane: Lane, detail: string): void {
    if (slot.lane !== lane) return; // an old lane we already replaced (abort) or a stopped pool
    const current = slot.current;
    slot.current = undefined;
    current?.reject(
      new FanoutError('ECRASH', `${this.workerId(slot.index)} died while running batch ${current.job.id} (${detail})`, {
        batchId: current.job.id,
      }),
    );
    this.#replace(slot);
  }

  /** Gives an idle slot to the first waiting batch, or marks it idle. */
  #release(slot: Slot): void {
    slot.lane?.setBusy(false);
    const waiter = this.#waiters.shift();
    if (waiter) {
      slot.state = 'busy';
      waiter.resolve(slot);
    } else {
      slot.state = 'idle';
    }
  }

  #acquire(signal: AbortSignal): Promise<Slot> {
    if (this.#stopping) return Promise.reject(new FanoutError('ECANCEL', 'backend stopped', { retryable: false }));
    const free = this.#slots.find((s) => s.state === 'idle');
    if (free) {
      free.state = 'busy';
      return Promise.resolve(free);
    }
    const dead = this.#allDeadError();
    if (dead) return Promise.reject(dead);
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        resolve: (slot: Slot) => {
          signal.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject: (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #allDeadError(): FanoutError | undefined {
    if (!this.#slots.every((s) => s.state === 'dead')) return undefined;
    const cause = this.#slots[0]?.error;
    return new FanoutError('ECRASH', `every ${this.#opts.kind} worker failed to restart: ${cause?.message}`, {
      cause,
      retryable: false,
    });
  }

  #failWaitersIfAllDead(): void {
    const err = this.#allDeadError();
    if (!err) return;
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  async #stopAll(graceMs: number): Promise<void> {
    const stopped = new FanoutError('ECANCEL', 'backend stopped', { retryable: false });
    for (const w of this.#waiters.splice(0)) w.reject(stopped);
    for (const slot of this.#slots) {
      const current = slot.current;
      slot.current = undefined;
      slot.state = 'stopped';
      current?.reject(stopped);
    }
    const lanes = [...this.#exits.keys()];
    for (const lane of lanes) lane.kill(false);
    const all = Promise.all([...this.#exits.values()]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (late) {
      for (const lane of this.#exits.keys()) lane.kill(true);
      await Promise.all([...this.#exits.values()]);
    }
  }
}
