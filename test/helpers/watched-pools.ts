import type { Lane, LaneEvents } from '../../orchestrator/backends/pool/lane.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import type { FromFarSide } from '../../orchestrator/far-side/pool-messages.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';

/** A worker that has just begun a batch, as a test sees it. */
export interface BusyWorker {
  /** OS process id (child processes; undefined for a thread). */
  pid: number | undefined;
  /** Kills it now as if it crashed (SIGKILL a child, terminate a thread); resolves once it has exited. */
  kill(): Promise<void>;
}

function beginsBatch(msg: FromFarSide): boolean {
  return msg.type === 'started' || (msg.type === 'replies' && msg.replies.some((r) => r.type === 'started'));
}

/**
 * Watches the workers a pooled backend starts, through the seam every pooled backend has (`spawn`): which are alive,
 * their PIDs, and which one begins a batch. The pool keeps no such record for tests; this sits between it and its lanes.
 */
export class LaneWatch {
  /** Workers started and not yet exited, each with its exit. */
  readonly #live = new Map<Lane, Promise<void>>();
  #waiters: ((worker: BusyWorker) => void)[] = [];

  /** Starts a lane with `start`, watching the events it sends to the pool's `events`. */
  spawn(start: (events: LaneEvents) => Lane, events: LaneEvents): Lane {
    let lane: Lane | undefined;
    let gone = false;
    let markExited: () => void = () => {};
    const exited = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    lane = start({
      message: (msg) => {
        events.message(msg);
        if (lane && beginsBatch(msg)) this.#began(lane, exited);
      },
      exit: (detail) => {
        gone = true;
        if (lane) this.#live.delete(lane);
        markExited();
        events.exit(detail);
      },
    });
    if (!gone) this.#live.set(lane, exited);
    return lane;
  }

  /** Workers started and not yet exited (including ones being replaced): 0 once the backend stopped. */
  live(): number {
    return this.#live.size;
  }

  /** PIDs of the child processes alive now. */
  pids(): number[] {
    return [...this.#live.keys()].flatMap((lane) => (lane.pid === undefined ? [] : [lane.pid]));
  }

  /** Resolves when a worker next begins a batch. */
  nextBatchStart(): Promise<BusyWorker> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #began(lane: Lane, exited: Promise<void>): void {
    const waiters = this.#waiters.splice(0);
    const worker: BusyWorker = {
      pid: lane.pid,
      kill: () => {
        lane.kill(true);
        return exited;
      },
    };
    for (const resolve of waiters) resolve(worker);
  }
}

/** A {@link ThreadBackend} whose workers a test can watch and kill ({@link LaneWatch}). */
export class WatchedThreadBackend extends ThreadBackend {
  readonly watch = new LaneWatch();

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    return this.watch.spawn((watched) => super.spawn(entry, ref, watched), events);
  }
}

/** A {@link ProcessBackend} whose children a test can watch ({@link LaneWatch}). */
export class WatchedProcessBackend extends ProcessBackend {
  readonly watch = new LaneWatch();

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    return this.watch.spawn((watched) => super.spawn(entry, ref, watched), events);
  }
}
