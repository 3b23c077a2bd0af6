import type { FromFarSide, ToFarSide } from '../../far-side/pool-messages.js';

/** What a lane reports to its pool. */
export interface LaneEvents {
  message(msg: FromFarSide): void;
  /** The worker is gone; `detail` says how (`exit code 1`, `killed by SIGKILL`, the uncaught error). */
  exit(detail: string): void;
}

/**
 * One worker thread or child process as the pool sees it. The pool owns the lifecycle; a lane only moves messages and
 * reports its exit, so the thread and process backends differ in nothing but their `spawn` function.
 */
export interface Lane {
  /** OS process id (child processes only). */
  readonly pid: number | undefined;
  /** Throws when the channel is already closed. */
  send(msg: ToFarSide): void;
  /** `hard`: SIGKILL / terminate now (abort, hung worker); otherwise SIGTERM / terminate (stop). */
  kill(hard: boolean): void;
  /** Busy lanes keep the event loop alive; idle ones don't, so a forgotten `stop()` cannot hold the process open. */
  setBusy(busy: boolean): void;
}

/** Starts the worker for pool slot `slot`. */
export type SpawnLane = (slot: number, events: LaneEvents) => Lane;
