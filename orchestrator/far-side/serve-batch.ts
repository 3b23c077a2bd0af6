import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { FanoutError } from '../errors.js';
import { isThenable } from '../is-thenable.js';
import type { AnyTask } from '../tasks/task.js';
import type { CpuCarry } from './cpu-carry.js';
import { type CpuMeasure, type FarSideResult, runBatch } from './run-batch.js';
import { captureTaskOutput, type MapShape } from './task-output.js';
import type { HeldTask, TaskShelf } from './task-shelf.js';
import type { BatchRequest } from './wire.js';

/** Options of {@link serveBatch}. */
export interface ServeOptions {
  /** Aborted when the batch is cancelled or the far side's deadline comes. */
  signal: AbortSignal;
  measure: CpuMeasure;
  /** Where batches run back to back: process CPU readings shared between them (see {@link CpuCarry}). */
  cpuCarry?: CpuCarry;
}

/** Instance state: module scope lives as long as the thread, the child process or the Lambda execution environment. */
let cold = true;

/**
 * The one serve function every far side calls (inline, the worker-thread and child-process entries, the Lambda
 * handler): find the task by id, refuse any version other than the one the caller bundled (EVERSION: stale code must
 * never produce an answer), map the batch and measure it. The first batch an instance serves reports `coldStart` and
 * `initMs`, the time from the instance's start to it (see {@link instanceAgeMs}). What the map writes is captured
 * for this batch alone and returned as `output` (or carried by the error: see far-side/task-output.ts).
 */
export async function serveBatch(shelf: TaskShelf, request: BatchRequest, opts: ServeOptions): Promise<FarSideResult> {
  const held = checkHeld(shelf, request);
  if (request.probe) return { partial: null, cpuMs: 0, durationMs: 0 };
  const coldStart = cold;
  const initMs = cold ? Math.round(instanceAgeMs() * 100) / 100 : undefined;
  cold = false;
  const { task, shape } = observed(await held.load());
  const { value: result, output } = await captureTaskOutput(
    () => runBatch(task, request.batch, opts.signal, opts.measure, request.batchId, opts.cpuCarry),
    shape,
  );
  return { ...result, coldStart, ...(initMs !== undefined ? { initMs } : {}), ...(output ? { output } : {}) };
}

/** Each task with a map that notes whether it returned a promise (see {@link MapShape}), made once per task. */
const observedTasks = new WeakMap<AnyTask, { task: AnyTask; shape: MapShape }>();

function observed(task: AnyTask): { task: AnyTask; shape: MapShape } {
  let entry = observedTasks.get(task);
  if (!entry) {
    const shape: MapShape = { sync: false };
    const map: AnyTask['map'] = (batch, ctx) => {
      const out = task.map(batch, ctx);
      shape.sync = !isThenable(out);
      return out;
    };
    // the task itself underneath (its name, its prototype), with this map on top
    entry = { task: Object.create(task, { map: { value: map } }) as AnyTask, shape };
    observedTasks.set(task, entry);
  }
  return entry;
}

/** The held task for a request, or EVERSION saying what the far side has and what to do. */
export function checkHeld(shelf: TaskShelf, request: Pick<BatchRequest, 'task' | 'version'>): HeldTask {
  const held = shelf.get(request.task);
  if (!held) {
    throw new FanoutError(
      'EVERSION',
      `${shelf.holder} has no task \`${request.task}\` (it has ${shelf.names().join(', ') || 'none'}): ${shelf.remedy}`,
      { retryable: false },
    );
  }
  if (request.version !== undefined && request.version !== held.version) {
    throw new FanoutError(
      'EVERSION',
      `${shelf.holder} has task ${request.task} at ${held.version}, this run has ${request.version}: ${shelf.remedy}`,
      { retryable: false },
    );
  }
  return held;
}

/**
 * Ms since this instance started. performance.now() counts from the start of the process even inside a worker thread,
 * so where an instance is a thread (the emulator, the thread backend) the thread's own start,
 * `nodeTiming.environment`, is subtracted.
 */
function instanceAgeMs(): number {
  return performance.now() - (isMainThread ? 0 : performance.nodeTiming.environment);
}
