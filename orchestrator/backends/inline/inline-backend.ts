import { FanoutError } from '../../errors.js';
import { serveBatch } from '../../far-side/serve-batch.js';
import { heldTask, type TaskShelf, taskShelf } from '../../far-side/task-shelf.js';
import { decodeFarSideError, toWireError } from '../../far-side/wire-error.js';
import { loadTask, taskVersionOf } from '../../tasks/registry.js';
import type { TaskRef } from '../../tasks/task.js';
import type { AttemptHandle, Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';

/** Longest stretch of inline batches without a turn of the event loop, ms. */
const YIELD_EVERY_MS = 20;
let lastYield = performance.now();

/**
 * Runs batches on the main thread: the baseline every other backend is compared with. CPU-bound maps run one after
 * another (the event loop is blocked meanwhile); async maps overlap up to `concurrency`.
 */
export class InlineBackend implements Backend {
  readonly name = 'inline';
  readonly #concurrency: number;
  #shelf: TaskShelf | undefined;
  #request: { task: string; version: string } | undefined;

  /** @param concurrency batches in flight at once; only async maps overlap. @default 1 */
  constructor(concurrency = 1) {
    this.#concurrency = concurrency;
  }

  /** The task this backend was started for. */
  startedTask: TaskRef | undefined;

  async start(ctx: BackendStartContext): Promise<void> {
    this.startedTask = ctx.task;
    const task = ctx.instance ?? (await loadTask(ctx.task));
    const version = taskVersionOf(ctx.task);
    this.#shelf = taskShelf([heldTask(task, version)], 'the inline backend', 'start a new backend for this task');
    this.#request = { task: task.name, version };
  }

  capacity(): number {
    return this.#concurrency;
  }

  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    const shelf = this.#shelf;
    const request = this.#request;
    if (!shelf || !request) throw new FanoutError('EINTERNAL', 'InlineBackend.runAttempt before start');
    // the map gets an AbortSignal (its ctx.signal): made here, once per batch
    // CPU-bound maps block the event loop: yield to it between batches so a signal (Ctrl-C, SIGTERM) that arrived
    // during the last one is seen and a run of many short batches can still be interrupted. At most every
    // YIELD_EVERY_MS: a yield per batch would cost 50,000 loop turns on a run of 50,000 tiny batches.
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    const signal = attempt.signal;
    signal.throwIfAborted();
    const startedAt = Date.now();
    try {
      // A map that never settles (or ignores its signal) must not hold the run: the attempt ends when its signal
      // aborts (timeout, cancel), and the map's own promise is left behind.
      const served = serveBatch(
        shelf,
        { ...request, batchId: job.id, batch: job.batch },
        { signal, measure: 'process' },
      );
      const r = await untilAborted(served, signal);
      signal.throwIfAborted();
      return {
        partial: r.partial,
        workerId: 'main',
        cpuMs: r.cpuMs,
        durationMs: r.durationMs,
        ...(r.output ? { output: r.output } : {}),
        startedAt,
        endedAt: Date.now(),
      };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const error = decodeFarSideError(toWireError(err), job.id);
      error.workerId ??= 'main';
      throw error;
    }
  }

  async stop(): Promise<void> {}
}

/** `work`, or a rejection with the signal's reason as soon as `signal` aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
