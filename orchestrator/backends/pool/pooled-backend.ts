import { FanoutError } from '../../errors.js';
import { type FarSideEntryName, farSideFolderEntry } from '../../far-side/entry-path.js';
import { resolvePoolOptions } from '../../options.js';
import { taskVersionOf } from '../../tasks/registry.js';
import type { TaskRef } from '../../tasks/task.js';
import type { AttemptHandle, Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';
import type { Lane, LaneEvents } from './lane.js';
import { LONG_BATCH_DEPTH } from './queue-depth.js';
import { WorkerPool } from './worker-pool.js';

/** Options of a pooled backend (thread, process). */
export interface PooledBackendOptions {
  /** Workers in the pool (= batches running at once). @default number of cores */
  workers?: number;
  /**
   * Batches sent ahead to each worker, which runs them one at a time in order: a worker starts its next batch without
   * waiting a round trip. The most `capacity()` gets is workers × queueDepth. @default options.ts DEFAULTS.queueDepth
   */
  queueDepth?: number;
}

/**
 * What the thread and process backends share: a {@link WorkerPool} of lanes, each running one batch at a time with up
 * to `queueDepth` queued, started eagerly. A subclass says only how to start one worker on the far side.
 */
export abstract class PooledBackend implements Backend {
  abstract readonly name: 'thread' | 'process';
  readonly #workers: number;
  readonly #queueDepth: number;
  readonly #entryName: FarSideEntryName;
  #pool: WorkerPool | undefined;

  /** @param entryName the far-side entry a worker runs (far-side/thread-entry.ts, far-side/process-entry.ts) */
  protected constructor(options: PooledBackendOptions, entryName: FarSideEntryName) {
    const { workers, queueDepth } = resolvePoolOptions(options);
    this.#workers = workers;
    this.#queueDepth = queueDepth;
    this.#entryName = entryName;
  }

  /** Starts one far-side worker running `entry` for the task `ref`. */
  protected abstract spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane;

  /** The task this backend was started for. */
  startedTask: TaskRef | undefined;

  /**
   * Starts every worker in parallel, each loading the task, so pool start-up is not billed to the first batch. Every
   * batch goes out with the task's version, and a worker holding another one refuses it (EVERSION).
   */
  async start(ctx: BackendStartContext): Promise<void> {
    this.startedTask = ctx.task;
    if (this.#pool) throw new FanoutError('EINTERNAL', `${this.name} backend started twice; stop it first`);
    const entry = farSideFolderEntry(this.#entryName);
    const pool = new WorkerPool({
      kind: this.name,
      workers: ctx.batches === undefined ? this.#workers : Math.max(1, Math.min(this.#workers, ctx.batches)),
      queueDepth: this.#queueDepth,
      version: taskVersionOf(ctx.task),
      spawn: (_slot, events) => this.spawn(entry, ctx.task, events),
    });
    this.#pool = pool;
    try {
      await pool.start();
    } catch (err) {
      this.#pool = undefined;
      throw err;
    }
  }

  /**
   * Batches running plus batches queued on the workers: workers × the depth in use now, which follows the measured
   * batch length (see WorkerPool): small until batches prove tiny, then up to `queueDepth`.
   */
  capacity(): number {
    return this.#pool?.capacity() ?? this.#workers * Math.min(this.#queueDepth, LONG_BATCH_DEPTH);
  }

  /** Workers: batches that run at the same moment (fewer than asked for when the run has fewer batches). */
  parallelism(): number {
    return this.#pool?.workers ?? this.#workers;
  }

  runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', `${this.name} backend: run before start`));
    return this.#pool.runAttempt(job, attempt, attempt);
  }

  /** Stops every worker and waits until all have exited; safe to call twice. */
  async stop(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.stop();
  }
}
