import type { SpawnLane } from './lane.js';

/** Options of WorkerPool (worker-pool.ts). */
export interface WorkerPoolOptions {
  /** `thread` or `process`: prefix of the worker ids (`thread-0`). */
  kind: string;
  workers: number;
  /** Batches sent ahead to each worker (it runs them one at a time, in order). @default 1 */
  queueDepth?: number;
  spawn: SpawnLane;
  /** How long a new worker may take to load its task and say ready. @default 30000 */
  readyTimeoutMs?: number;
}

/** Emitted when a worker begins a batch (a test hook: kill the worker while it runs). */
export interface BatchStartEvent {
  slot: number;
  workerId: string;
  jobId: string;
  pid: number | undefined;
}
