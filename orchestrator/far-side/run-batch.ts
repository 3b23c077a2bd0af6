import { performance } from 'node:perf_hooks';
import { FanoutError } from '../errors.js';
import type { AnyTask } from '../tasks/task.js';
import type { CpuCarry } from './cpu-carry.js';
import { nonJsonPath } from './json-partial.js';
import { threadCpuNs } from './thread-cpu.js';
import type { TaskOutput } from './wire.js';

/** What the far side measured for one batch. */
export interface FarSideResult {
  partial: unknown;
  /** CPU time spent on this batch, ms (see {@link runBatch} for how it is measured). */
  cpuMs: number;
  durationMs: number;
  /** True on the first batch this instance (thread, child, Lambda environment) served. */
  coldStart?: boolean;
  /** On a cold start: ms from the instance's start to its first batch (its init time). */
  initMs?: number;
  /** What the map wrote to stdout/stderr (see far-side/task-output.ts), when it wrote anything. */
  output?: TaskOutput;
}

/** How to measure a batch's CPU time: `process` where one batch owns the process, `thread` inside a worker thread. */
export type CpuMeasure = 'process' | 'thread';

/**
 * Maps one batch with `task` and measures it; {@link serveBatch} calls this on every far side (inline, the worker
 * thread, the child process and the Lambda handler), so a task runs the same code wherever it is put.
 *
 * CPU time: `process.cpuUsage()` is exact in a child process or on Lambda, where one batch owns the process. In a worker
 * thread (the thread backend, or serverless-offline's instances) it would count every thread of the process, so
 * `measure: 'thread'` reads the thread's own CPU time from Linux, and falls back to the thread's event-loop busy time
 * elsewhere (which also counts time the thread waited for a core, so it overstates on a loaded machine). With a `carry`
 * (a child process serving batches back to back), sub-millisecond batches share process CPU readings: see
 * {@link CpuCarry}.
 */
export async function runBatch(
  task: AnyTask,
  batch: unknown,
  signal: AbortSignal,
  measure: CpuMeasure = 'process',
  batchId?: string,
  carry?: CpuCarry,
): Promise<FarSideResult> {
  const t0 = performance.now();
  // a carry is for process CPU only: a thread's own clock is cheap and exact per batch
  const meter = measure === 'process' ? carry : undefined;
  meter?.begin();
  const cpu0 = measure === 'process' && !meter ? process.cpuUsage() : undefined;
  const thread0 = measure === 'thread' ? threadCpuNs() : undefined;
  const elu0 = measure === 'thread' && thread0 === undefined ? performance.eventLoopUtilization() : undefined;
  const partial = await task.map(batch, { signal });
  checkJsonPartial(task.name, partial, batchId);
  const durationMs = performance.now() - t0;
  let cpuMs: number;
  if (meter) cpuMs = meter.end();
  else if (cpu0) {
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
  } else {
    const thread1 = thread0 === undefined ? undefined : threadCpuNs();
    cpuMs =
      thread0 !== undefined && thread1 !== undefined
        ? (thread1 - thread0) / 1e6
        : elu0
          ? performance.eventLoopUtilization(elu0).active
          : 0;
  }
  return { partial, cpuMs: Math.round(cpuMs * 100) / 100, durationMs: Math.round(durationMs * 100) / 100 };
}

/**
 * A partial outside plain JSON (see json-partial.ts) fails here, on every backend alike, as an ETASK naming the task,
 * the batch and the offending path. Not retried: the same map returns the same value again.
 */
function checkJsonPartial(taskName: string, partial: unknown, batchId: string | undefined): void {
  const why = nonJsonPath(partial);
  if (why) {
    const batch = batchId === undefined ? '' : ` for batch ${batchId}`;
    throw new FanoutError('ETASK', `map of task \`${taskName}\` returned a partial that is not JSON${batch}: ${why}`, {
      retryable: false,
      ...(batchId === undefined ? {} : { batchId }),
    });
  }
}
