import { performance } from 'node:perf_hooks';
import { FanoutError } from '../errors.js';
import { loadTask } from '../tasks/registry.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';
import { threadCpuNs } from './thread-cpu.js';

/** What the far side sends back for one batch. */
export interface FarSideResult {
  partial: unknown;
  /** CPU time spent on this batch, ms (see {@link runBatch} for how it is measured). */
  cpuMs: number;
  durationMs: number;
}

/** How to measure a batch's CPU time: `process` where one batch owns the process, `thread` inside a worker thread. */
export type CpuMeasure = 'process' | 'thread';

/**
 * The trampoline every far side runs: the worker-thread entry, the child-process entry and the Lambda handler all call
 * this, so a task runs the same code wherever it is put.
 *
 * CPU time: `process.cpuUsage()` is exact in a child process or on Lambda, where one batch owns the process. In a worker
 * thread (the thread backend, or serverless-offline's instances) it would count every thread of the process, so
 * `measure: 'thread'` reads the thread's own CPU clock ({@link threadCpuNs}), and falls back to the thread's event-loop busy time
 * elsewhere (which also counts time the thread waited for a core, so it overstates on a loaded machine).
 */
export async function runBatch(
  ref: TaskRef | AnyTask,
  batch: unknown,
  signal: AbortSignal,
  measure: CpuMeasure = 'process',
): Promise<FarSideResult> {
  const task = 'kind' in ref ? await loadTask(ref) : ref;
  const t0 = performance.now();
  const cpu0 = measure === 'process' ? process.cpuUsage() : undefined;
  const thread0 = measure === 'thread' ? threadCpuNs() : undefined;
  const elu0 = performance.eventLoopUtilization();
  const partial = await task.map(batch, { signal });
  checkJsonPartial(task.name, partial);
  const durationMs = performance.now() - t0;
  let cpuMs: number;
  if (cpu0) {
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
  } else {
    const thread1 = thread0 === undefined ? undefined : threadCpuNs();
    cpuMs =
      thread0 !== undefined && thread1 !== undefined
        ? (thread1 - thread0) / 1e6
        : performance.eventLoopUtilization(elu0).active;
  }
  return { partial, cpuMs: Math.round(cpuMs * 100) / 100, durationMs: Math.round(durationMs * 100) / 100 };
}

/**
 * Partials cross thread, process and network boundaries as JSON, so one JSON cannot hold (a BigInt, a cycle, a bare
 * function) fails here, as ETASK naming the task, on every backend alike; otherwise it would fail on Lambda, be
 * cloned as-is by a thread, and surface only when the CLI prints the result.
 */
function checkJsonPartial(taskName: string, partial: unknown): void {
  let why: string | undefined;
  if (typeof partial === 'function' || typeof partial === 'symbol') why = `a ${typeof partial}`;
  else {
    try {
      JSON.stringify(partial);
    } catch (err) {
      why = (err as Error).message.split('\n')[0];
    }
  }
  if (why) {
    throw new FanoutError('ETASK', `map of task \`${taskName}\` returned a partial that is not JSON: ${why}`);
  }
}
