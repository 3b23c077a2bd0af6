/**
 * The messages between a thread or process pool and its workers (serve-loop.ts on the far side, the WorkerPool on the
 * caller's), written once for both ends. They travel by structured clone (threads) or JSON over IPC (processes).
 */
import type { TaskRef } from '../tasks/task.js';
import type { FarSideResult } from './run-batch.js';
import type { WireError } from './wire.js';

/**
 * One batch for a worker: `seq` names the attempt in the replies; `batchId` and `version` are the batch's id and the
 * task version (see wire.ts), and the worker refuses a version other than the one it loaded (EVERSION). The pool
 * always sends both; a worker loaded exactly one task, so its id is implied.
 */
export interface RunRequest {
  seq: number;
  batch: unknown;
  batchId?: string;
  version?: string;
}

/**
 * What the main side sends to a worker thread or child process. A worker may hold several batches: it runs them
 * strictly one at a time, in the order they arrived. `runs` is several `run`s in one message (one clone, one IPC write).
 */
export type ToFarSide = ({ type: 'run' } & RunRequest) | { type: 'runs'; runs: RunRequest[] };

/**
 * The first message to a child process forked before its run knew the task (backends/process/process-child.ts): load
 * `ref`, then say `ready`. A child forked with its task in argv never gets one.
 */
export interface LoadTask {
  type: 'load';
  ref: TaskRef;
}

/** A reply about one batch. */
export type RunReply =
  /** Sent just before the worker begins batch `seq`: the attempt's start on the timeline and its timeout clock. */
  | { type: 'started'; seq: number }
  | { type: 'result'; seq: number; result: FarSideResult }
  | { type: 'error'; seq: number; error: WireError };

/** What a worker thread or child process sends back. */
export type FromFarSide =
  /** The task is loaded; the worker takes batches from now on. */
  | { type: 'ready' }
  /** The task could not be loaded (bad module path, no task exported); the worker is useless. */
  | { type: 'init-error'; error: WireError }
  | RunReply
  /** Several replies in one message, in order (a batch's result and the next batch's `started`, typically). */
  | { type: 'replies'; replies: RunReply[] }
  /** Text a worker thread wrote to stdout/stderr, sent in order with the results so none is lost at shutdown. */
  | { type: 'output'; text: string };
