import { Worker } from 'node:worker_threads';
import { FanoutError } from '../../errors.js';
import { checkPositiveInt, defaultWorkers } from '../../options.js';
import type { TaskRef } from '../../tasks/task.js';
import type { Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';
import { farSideEntry } from '../far-side-entry.js';
import type { Lane, LaneEvents } from '../pool/lane.js';
import type { FromFarSide } from '../pool/messages.js';
import { type BatchStartEvent, WorkerPool } from '../pool/worker-pool.js';

/** Options of {@link ThreadBackend}. */
export interface ThreadBackendOptions {
  /** Worker threads in the pool (= batches in flight). @default number of cores */
  workers?: number;
}

/**
 * Runs batches in a pool of worker threads, one batch per thread at a time. Threads share the process, so they start
 * fast and move data cheaply, but a CPU-bound map still needs its own core: the thread backend scales CPU work as far
 * as the cores go, like processes, with a smaller start-up cost.
 */
export class ThreadBackend implements Backend {
  readonly name = 'thread';
  readonly #workers: number;
  #pool: WorkerPool | undefined;

  constructor(options: ThreadBackendOptions = {}) {
    this.#workers = options.workers === undefined ? defaultWorkers() : checkPositiveInt('workers', options.workers);
  }

  /** Starts every thread in parallel, each loading the task, so pool start-up is not billed to the first batch. */
  async start(ctx: BackendStartContext): Promise<void> {
    if (this.#pool) throw new FanoutError('EINTERNAL', 'ThreadBackend.start called twice; stop it first');
    const entry = farSideEntry(import.meta.url, 'thread-entry');
    const pool = new WorkerPool({
      kind: 'thread',
      workers: this.#workers,
      spawn: (_slot, events) => spawnThread(entry, ctx.task, events),
    });
    this.#pool = pool;
    try {
      await pool.start();
    } catch (err) {
      this.#pool = undefined;
      throw err;
    }
  }

  capacity(): number {
    return this.#workers;
  }

  run(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', 'ThreadBackend.run before start'));
    return this.#pool.run(job, signal);
  }

  /** Terminates every thread; safe to call twice. */
  async stop(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.stop();
  }

  /** Test hook: terminates the thread in `slot` as if it crashed; resolves once it is gone. */
  async terminateWorker(slot: number): Promise<void> {
    await this.#pool?.kill(slot);
  }

  /** Test hook: resolves with the next batch handed to a thread. */
  nextBatchStart(): Promise<BatchStartEvent> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', 'ThreadBackend not started'));
    return this.#pool.nextBatchStart();
  }

  /** Threads started and not yet exited. */
  liveWorkers(): number {
    return this.#pool?.liveWorkers() ?? 0;
  }
}

function spawnThread(entry: string, ref: TaskRef, events: LaneEvents): Lane {
  // execArgv: [] so a test runner's loader flags are not inherited. The worker's stdout is not piped here (reading it
  // keeps a MessagePort referenced, so an idle pool would hold the process open); the entry points console at stderr.
  const worker = new Worker(entry, { workerData: { ref }, execArgv: [] });
  let uncaught: string | undefined;
  worker.on('message', (msg: FromFarSide) => events.message(msg));
  worker.on('error', (err) => {
    uncaught = err.message;
  });
  worker.on('exit', (code) => events.exit(uncaught ? `uncaught error: ${uncaught}` : `exit code ${code}`));
  return {
    pid: undefined,
    send: (msg) => worker.postMessage(msg),
    kill: () => void worker.terminate(),
    setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}
