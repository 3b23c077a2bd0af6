import { FanoutError } from '../../errors.js';
import type { FromFarSide } from '../../far-side/pool-messages.js';
import type { Lane } from './lane.js';
import { type LaunchedLane, launchLane, stopLanes } from './launch-lane.js';
import type { PoolAttempt } from './pool-attempt.js';
import type { WorkerPoolOptions } from './worker-pool-options.js';

/** One place in the pool: the lane in it now (replaced after a crash or an abort) and the batches sent to it. */
export interface Slot {
  index: number;
  /** `<kind>-<index>`, kept when the lane is replaced, so the timeline keeps one row per slot. */
  workerId: string;
  lane: Lane | undefined;
  state: 'starting' | 'ready' | 'dead' | 'stopped';
  /** Attempts sent to this lane, in the order the far side runs them; only the first can have started. */
  queue: PoolAttempt<Slot>[];
  /** Consecutive failed (re)starts; a slot that keeps failing is given up. */
  failures: number;
  error: FanoutError | undefined;
}

/** What {@link PoolSlots} tells the pool. */
export interface SlotEvents {
  /** A lane became ready for batches. */
  ready(): void;
  /** A reply from the lane in `slot` (possibly one already replaced: compare `slot.lane`). */
  reply(slot: Slot, lane: Lane, msg: FromFarSide): void;
  /** A ready lane exited (a crash, a kill, a stop). */
  exit(slot: Slot, lane: Lane, detail: string): void;
  /** The last slot still alive was given up: no batch can run any more, they all fail with `err`. */
  allDead(err: FanoutError): void;
}

/** Restarts of one slot that may fail in a row before the slot is given up. */
const MAX_RESTART_FAILURES = 3;

/**
 * The slots of a WorkerPool and their lanes' lives: each slot starts a lane, replaces it when it is gone (backing off
 * after a failed start, giving the slot up after {@link MAX_RESTART_FAILURES} in a row), and stops it with the pool.
 * Which batches go where is the pool's business; the slots only report what their lanes say and do.
 */
export class PoolSlots {
  readonly all: readonly Slot[];
  readonly #opts: WorkerPoolOptions;
  readonly #events: SlotEvents;
  /** Every lane started and not yet exited (including ones being replaced), with its exit. */
  readonly #exits = new Map<Lane, Promise<void>>();
  #stopping = false;

  constructor(opts: WorkerPoolOptions, events: SlotEvents) {
    this.#opts = opts;
    this.#events = events;
    this.all = Array.from({ length: opts.workers }, (_, index) => ({
      index,
      workerId: `${opts.kind}-${index}`,
      lane: undefined,
      state: 'starting' as const,
      queue: [],
      failures: 0,
      error: undefined,
    }));
  }

  /** Starts a lane in `slot`; resolves once it is ready, rejects when it fails to start. */
  launch(slot: Slot): Promise<void> {
    slot.state = 'starting';
    let launched: LaunchedLane;
    try {
      launched = launchLane({
        spawn: this.#opts.spawn,
        slot: slot.index,
        id: slot.workerId,
        readyTimeoutMs: this.#opts.readyTimeoutMs ?? 30_000,
        onReply: (lane, msg) => this.#events.reply(slot, lane, msg),
        onExit: (lane, detail) => this.#events.exit(slot, lane, detail),
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const { lane } = launched;
    slot.lane = lane;
    this.#exits.set(lane, launched.exited);
    void launched.exited.then(() => this.#exits.delete(lane));
    return launched.ready.then(() => {
      if (slot.lane !== lane || slot.state !== 'starting') return;
      slot.state = 'ready';
      lane.setBusy(false);
      this.#events.ready();
    });
  }

  /** Starts a fresh lane in `slot` (after a crash or an abort); gives the slot up after repeated failures. */
  replace(slot: Slot): void {
    slot.lane = undefined;
    if (this.#stopping) {
      slot.state = 'stopped';
      return;
    }
    this.launch(slot).then(
      () => {
        slot.failures = 0;
      },
      (err: unknown) => {
        slot.failures++;
        if (this.#stopping) return;
        if (slot.failures >= MAX_RESTART_FAILURES) {
          slot.state = 'dead';
          slot.error = err instanceof FanoutError ? err : new FanoutError('ECRASH', String(err));
          const dead = this.deadError();
          if (dead) this.#events.allDead(dead);
        } else {
          setTimeout(() => this.replace(slot), 100 * slot.failures).unref();
        }
      },
    );
  }

  /** The error every batch gets once all slots were given up; undefined while one is still alive. */
  deadError(): FanoutError | undefined {
    if (!this.all.every((s) => s.state === 'dead')) return undefined;
    const cause = this.all[0]?.error;
    return new FanoutError('ECRASH', `every ${this.#opts.kind} worker failed to restart: ${cause?.message}`, {
      cause,
      retryable: false,
    });
  }

  /** Replaces no lane from now on; stops every lane (SIGTERM / terminate, SIGKILL after `graceMs`) until all exited. */
  stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    for (const slot of this.all) slot.state = 'stopped';
    return stopLanes(this.#exits, graceMs);
  }
}
