import type { SpawnLane } from './lane.js';

/** Options of WorkerPool (worker-pool.ts). */
export interface WorkerPoolOptions {
  /** `thread` or `process`: prefix of the worker ids (`thread-0`). */
  kind: string;
  workers: number;
  /** Batches sent ahead to each worker (it runs them one at a time, in order). @default 1 */
  queueDepth?: number;
  /**
   * The task version every batch is sent with (far-side/wire.ts): a worker that loaded another version refuses the
   * batch with EVERSION, as the Lambda handler does.
   */
  version: string;
  spawn: SpawnLane;
  /** How long a new worker may take to load its task and say ready. @default 30000 */
  readyTimeoutMs?: number;
}
