import { loadTask, taskVersionOf } from '../tasks/registry.js';
import type { TaskRef } from '../tasks/task.js';
import { CpuCarry } from './cpu-carry.js';
import type { FromFarSide, RunReply, RunRequest, ToFarSide } from './pool-messages.js';
import type { CpuMeasure } from './run-batch.js';
import { serveBatch } from './serve-batch.js';
import { heldTask, type TaskShelf, taskShelf } from './task-shelf.js';
import { toWireError } from './wire-error.js';

/** The message channel of one far side: a worker thread's parentPort or a child process's IPC. */
export interface FarSidePort {
  send(msg: FromFarSide): void;
  onMessage(handler: (msg: ToFarSide) => void): void;
}

/**
 * The loop a worker thread or child process runs: load the task once (so a bad module fails `start()`, not the first
 * batch), say `ready`, then serve the batches it is sent with {@link serveBatch}, which refuses a batch of another task
 * version with EVERSION as the Lambda handler does. Batches run strictly one at a time, in arrival order (the main side
 * keeps several queued here so the worker never idles for a round trip; one batch owns the worker, so its CPU time is
 * its own). Before each batch it sends `{ type: 'started', seq }` — at once, never held back, so the main side's start
 * time and timeout clock are the real start — and after it the result or the serialised error. A result is held only
 * until the next `started` (or until the queue is empty) and goes out in the same message: one send per batch instead
 * of two.
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
  const queue: RunRequest[] = [];
  let draining = false;
  let held: RunReply | undefined;
  // Cancellation kills the whole worker (a CPU-bound map cannot be interrupted), so this signal never fires; it is
  // here because maps expect one.
  const never = new AbortController().signal;
  const cpuCarry = new CpuCarry();
  const opts = { signal: never, measure, cpuCarry };
  const drain = async (): Promise<void> => {
    draining = true;
    // the worker was idle: what its process did since the last batch (a watch thread's polls) is no batch's CPU
    cpuCarry.reset();
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { seq } = next;
      const started: RunReply = { type: 'started', seq };
      port.send(held ? { type: 'replies', replies: [held, started] } : started);
      held = undefined;
      const request = {
        task: name,
        batchId: next.batchId ?? String(seq),
        batch: next.batch,
        ...(next.version !== undefined ? { version: next.version } : {}),
      };
      try {
        held = { type: 'result', seq, result: await serveBatch(shelf, request, opts) };
      } catch (err) {
        cpuCarry.reset();
        held = { type: 'error', seq, error: toWireError(err) };
      }
    }
    draining = false;
    if (held) port.send(held);
    held = undefined;
  };
  port.onMessage((msg) => {
    if (msg.type === 'run') queue.push(msg);
    else if (msg.type === 'runs') for (const r of msg.runs) queue.push(r);
    else return;
    if (!draining) void drain();
  });
  port.send({ type: 'ready' });
}
