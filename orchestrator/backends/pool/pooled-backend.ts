import { FanoutError } from '../../errors.js';
import { checkPositiveInt, checkWorkers, DEFAULT_QUEUE_DEPTH, defaultWorkers } from '../../options.js';
import type { TaskRef } from '../../tasks/task.js';
import type { AttemptClock, AttemptHandle, Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';
import { farSideEntry } from '../far-side-entry.js';
import type { Lane, LaneEvents } from './lane.js';
import { LONG_BATCH_DEPTH } from './queue-depth.js';
import { type BatchStartEvent, WorkerPool } from './worker-pool.js';

/** Options of a pooled backend (thread, process). */
export interface PooledBackendOptions {
  /** Workers in the pool (= batches running at once). @default number of cores */
  workers?: number;
  /**
   * Batches sent ahead to each worker, which runs them one at a time in order: a worker starts its next batch without
   * waiting a round trip. The most `capacity()` gets is workers × queueDepth. @default {@link DEFAULT_QUEUE_DEPTH}
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
  readonly #entryUrl: string;
  readonly #entryName: string;
  #pool: WorkerPool | undefined;

  /**
   * @param entryUrl `import.meta.url` of the subclass module (the far-side entry sits next to it)
   * @param entryName file name of the far-side entry without extension
   */
  protected constructor(options: PooledBackendOptions, entryUrl: string, entryName: string) {
    this.#workers = options.workers === undefined ? defaultWorkers() : checkWorkers('workers', options.workers);
    this.#queueDepth =
      options.queueDepth === undefined ? DEFAULT_QUEUE_DEPTH : checkPositiveInt('queueDepth', options.queueDepth);
    this.#entryUrl = entryUrl;
    this.#entryName = entryName;
  }

  /** Starts one far-side worker running `entry` for the task `ref`. */
  protected abstract spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane;

  /** Starts every worker in parallel, each loading the task, so pool start-up is not billed to the first batch. */
  /** The task this backend was started for. */
  startedTask: TaskRef | undefined;

  async start(ctx: BackendStartContext): Promise<void> {
    this.startedTask = ctx.task;
    if (this.#pool) throw new FanoutError('EINTERNAL', `${this.name} backend started twice; stop it first`);
    const entry = farSideEntry(this.#entryUrl, this.#entryName);
    const pool = new WorkerPool({
      kind: this.name,
      workers: this.#workers,
      queueDepth: this.#queueDepth,
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

  /** Workers: batches that run at the same moment. */
  parallelism(): number {
    return this.#workers;
  }

  run(job: BatchJob, signal: AbortSignal, clock?: AttemptClock): Promise<BatchOutcome> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', `${this.name} backend: run before start`));
    return this.#pool.run(job, signal, clock);
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

  /** The running pool (for subclass test hooks). */
  protected get pool(): WorkerPool | undefined {
    return this.#pool;
  }

  /** Test hook: resolves with the next batch a worker begins. */
  nextBatchStart(): Promise<BatchStartEvent> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', `${this.name} backend not started`));
    return this.#pool.nextBatchStart();
  }

  /** Workers started and not yet exited. */
  liveWorkers(): number {
    return this.#pool?.liveWorkers() ?? 0;
  }
}
