import { serializeError } from '../../errors.js';
import { loadTask } from '../../tasks/registry.js';
import type { TaskRef } from '../../tasks/task.js';
import { type CpuMeasure, runBatch } from '../run-batch.js';
import type { FromFarSide, ToFarSide } from './messages.js';

/** The message channel of one far side: a worker thread's parentPort or a child process's IPC. */
export interface FarSidePort {
  send(msg: FromFarSide): void;
  onMessage(handler: (msg: ToFarSide) => void): void;
}

/**
 * The loop a worker thread or child process runs: load the task once (so a bad module fails `start()`, not the first
 * batch), say `ready`, then answer each `run` with the partial from {@link runBatch} or the serialised error.
 */
export async function serveBatches(ref: TaskRef, measure: CpuMeasure, port: FarSidePort): Promise<void> {
  try {
    await loadTask(ref);
  } catch (err) {
    port.send({ type: 'init-error', error: serializeError(err) });
    return;
  }
  port.onMessage((msg) => {
    if (msg.type === 'run') void handle(ref, measure, port, msg.seq, msg.batch);
  });
  port.send({ type: 'ready' });
}

async function handle(ref: TaskRef, measure: CpuMeasure, port: FarSidePort, seq: number, batch: unknown) {
  // Cancellation kills the whole worker (a CPU-bound map cannot be interrupted), so this signal never fires; it is
  // here because maps expect one.
  const never = new AbortController().signal;
  try {
    const result = await runBatch(ref, batch, never, measure);
    port.send({ type: 'result', seq, result });
  } catch (err) {
    port.send({ type: 'error', seq, error: serializeError(err) });
  }
}
