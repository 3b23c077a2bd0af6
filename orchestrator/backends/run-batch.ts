import { performance } from 'node:perf_hooks';
import { loadTask } from '../tasks/registry.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';

/** What the far side sends back for one batch. */
export interface FarSideResult {
  partial: unknown;
  /** CPU time of this process while the batch ran (user + system), ms. In a worker thread: busy (non-idle) time. */
  cpuMs: number;
  durationMs: number;
}

/**
 * The trampoline every far side runs: the worker-thread entry, the child-process entry and the Lambda handler all call
 * this, so a task runs the same code wherever it is put.
 *
 * CPU time: `process.cpuUsage()` is per process, exact in a child process or Lambda where one batch runs at a time. In
 * a worker thread it would count the whole process, so the caller passes `measure: 'elu'` and gets the thread's
 * event-loop busy time instead (CPU-bound maps are busy all along; awaiting I/O is idle).
 */
export async function runBatch(
  ref: TaskRef | AnyTask,
  batch: unknown,
  signal: AbortSignal,
  measure: 'cpu' | 'elu' = 'cpu',
): Promise<FarSideResult> {
  const task = 'kind' in ref ? await loadTask(ref) : ref;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const partial = await task.map(batch, { signal });
  const durationMs = performance.now() - t0;
  let cpuMs: number;
  if (measure === 'elu') {
    const elu = performance.eventLoopUtilization(elu0);
    cpuMs = elu.active;
  } else {
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
  }
  return { partial, cpuMs: Math.round(cpuMs * 100) / 100, durationMs: Math.round(durationMs * 100) / 100 };
}
