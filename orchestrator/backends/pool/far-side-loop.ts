import { toWireError } from '../../far-side/decode-error.js';
import type { CpuMeasure } from '../../far-side/run-batch.js';
import { serveBatch } from '../../far-side/serve-batch.js';
import { heldTask, type TaskShelf, taskShelf } from '../../far-side/task-shelf.js';
import { loadTask, taskVersionOf } from '../../tasks/registry.js';
import type { TaskRef } from '../../tasks/task.js';
import type { FromFarSide, ToFarSide } from './messages.js';

/** The message channel of one far side: a worker thread's parentPort or a child process's IPC. */
export interface FarSidePort {
  send(msg: FromFarSide): void;
  onMessage(handler: (msg: ToFarSide) => void): void;
}

/**
 * The loop a worker thread or child process runs: load the task once (so a bad module fails `start()`, not the first
 * batch), say `ready`, then serve each `run` with {@link serveBatch}. Runs that arrive while a batch is running wait in
 * a queue and run strictly one at a time in arrival order (one batch owns the worker, so its CPU time is its own);
 * `started` is sent just before each one starts.
 */
export async function serveBatches(ref: TaskRef, measure: CpuMeasure, port: FarSidePort): Promise<void> {
  let shelf: TaskShelf;
  let name: string;
  try {
    const task = await loadTask(ref);
    name = task.name;
    shelf = taskShelf(
      [heldTask(task, taskVersionOf(ref))],
      `this ${measure === 'thread' ? 'worker thread' : 'child process'}`,
      'start a new backend for this task',
    );
  } catch (err) {
    port.send({ type: 'init-error', error: toWireError(err) });
    return;
  }
  const queue: Extract<ToFarSide, { type: 'run' }>[] = [];
  let running = false;
  const drain = async (): Promise<void> => {
    running = true;
    for (let msg = queue.shift(); msg; msg = queue.shift()) {
      port.send({ type: 'started', seq: msg.seq });
      await handle(shelf, name, measure, port, msg);
    }
    running = false;
  };
  port.onMessage((msg) => {
    if (msg.type !== 'run') return;
    queue.push(msg);
    if (!running) void drain();
  });
  port.send({ type: 'ready' });
}

async function handle(
  shelf: TaskShelf,
  name: string,
  measure: CpuMeasure,
  port: FarSidePort,
  msg: Extract<ToFarSide, { type: 'run' }>,
): Promise<void> {
  // Cancellation kills the whole worker (a CPU-bound map cannot be interrupted), so this signal never fires; it is
  // here because maps expect one.
  const never = new AbortController().signal;
  const request = {
    task: name,
    batchId: msg.batchId ?? String(msg.seq),
    batch: msg.batch,
    ...(msg.version !== undefined ? { version: msg.version } : {}),
  };
  try {
    const result = await serveBatch(shelf, request, { signal: never, measure });
    port.send({ type: 'result', seq: msg.seq, result });
  } catch (err) {
    port.send({ type: 'error', seq: msg.seq, error: toWireError(err) });
  }
}
