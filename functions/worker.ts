/**
 * The Lambda `worker` handler: the far side of the lambda backend. It validates the event, finds the task by name in the
 * bundled built-in registry (never code from the event), runs the same trampoline as the worker threads and child
 * processes, and returns the partial with the measurements the timeline needs.
 */
import { randomUUID } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import * as z from 'zod/mini';
import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../orchestrator/backends/lambda/payload.js';
import { type CpuMeasure, runBatch } from '../orchestrator/backends/run-batch.js';
import { builtinTasks } from '../orchestrator/tasks/registry.js';

/**
 * On real Lambda the handler owns its process, so process CPU time is exact. serverless-offline runs every instance as
 * a worker thread of one process, where process CPU would count all instances: there, measure the thread's busy time.
 */
const CPU_MEASURE: CpuMeasure = isMainThread ? 'process' : 'thread';

/** What the caller sends: a built-in task name, the batch id (for the reply) and the JSON batch. */
// zod/mini rather than zod: the same checks, and it keeps the bundle ~15× smaller (zod's full build is ~450 KB minified).
export const WorkerEventSchema = z.object({
  task: z.string().check(z.minLength(1), z.maxLength(128)),
  batchId: z.string().check(z.minLength(1), z.maxLength(256)),
  batch: z.unknown().check(z.refine((b) => b !== undefined, { message: 'batch is required' })),
});

/** The event of the worker function. */
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;

/** What the worker function returns for one batch. */
export interface WorkerReply {
  batchId: string;
  partial: unknown;
  cpuMs: number;
  durationMs: number;
  /** True on the first invoke an execution environment serves. */
  coldStart: boolean;
  /**
   * Cold starts only: ms from the start of the instance's process (thread, on the emulator) to its first invoke — the
   * INIT phase, which Lambda bills since August 2025.
   */
  initMs?: number;
  /** Random id of this execution environment: one timeline lane per instance. */
  instanceId: string;
}

/** The part of the Lambda context the handler uses (no @types/aws-lambda needed for two members). */
export interface WorkerContext {
  getRemainingTimeInMillis?(): number;
  awsRequestId?: string;
}

// The error names below become `errorType` in the function-error reply; the caller maps them to fanout error codes.
// They are set on the prototype so `stack` (captured in the Error constructor) starts with the name too: the emulator
// reports every errorType as "Error", and the caller then falls back to the first line of the trace.

/** The event does not have the shape `{ task, batchId, batch }`. Never retried by the caller. */
export class InvalidEventError extends Error {}
InvalidEventError.prototype.name = 'InvalidEventError';

/** The event names a task the bundle does not contain. Never retried by the caller. */
export class UnknownTaskError extends Error {}
UnknownTaskError.prototype.name = 'UnknownTaskError';

/** The task's own `map` threw; the caller maps it to ETASK. */
export class TaskError extends Error {}
TaskError.prototype.name = 'TaskError';

/**
 * The partial would make a reply over Lambda's 6 MB response limit. Real Lambda refuses such a reply itself
 * (`Function.ResponseSizeTooLarge`); raising it here makes the emulator and `sls invoke local` behave the same, and lets
 * the caller subdivide the batch instead of retrying it.
 */
export class ResponseTooLargeError extends Error {}
ResponseTooLargeError.prototype.name = 'ResponseTooLargeError';

/** Execution-environment state: module scope lives as long as the instance. */
const instanceId = randomUUID().slice(0, 8);
let cold = true;

/**
 * Ms since this execution environment started: the INIT phase, when called at the first invoke. performance.now()
 * counts from the start of the process even inside a worker thread, so on the emulator (an instance is a thread)
 * the thread's own start, `nodeTiming.environment`, is subtracted.
 */
function instanceAgeMs(): number {
  return performance.now() - (isMainThread ? 0 : performance.nodeTiming.environment);
}

/** Time kept back from the Lambda deadline so the handler can still answer with a clear error. */
const DEADLINE_MARGIN_MS = 500;

/** Lambda entry point (`functions/worker.handler` in serverless.yml). */
export async function handler(event: unknown, context: WorkerContext = {}): Promise<WorkerReply> {
  const coldStart = cold;
  const initMs = coldStart ? instanceAgeMs() : undefined;
  cold = false;
  const parsed = WorkerEventSchema.safeParse(event);
  if (!parsed.success) {
    // zod/mini ships no message locale: say what was expected from the issue's own fields.
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'event'}: ${'expected' in i ? `expected ${String(i.expected)}` : i.message}`)
      .join('; ');
    throw new InvalidEventError(`Invalid worker event, expected { task, batchId, batch }: ${issues}`);
  }
  const { task, batchId, batch } = parsed.data;
  if (!builtinTasks.has(task)) {
    throw new UnknownTaskError(`Unknown task \`${task}\`; this bundle has ${[...builtinTasks.keys()].join(', ')}`);
  }
  const remaining = context.getRemainingTimeInMillis?.();
  const signal =
    remaining === undefined
      ? new AbortController().signal
      : AbortSignal.timeout(Math.max(1, remaining - DEADLINE_MARGIN_MS));
  let reply: WorkerReply;
  try {
    const r = await runBatch({ kind: 'builtin', name: task }, batch, signal, CPU_MEASURE);
    reply = {
      batchId,
      partial: r.partial,
      cpuMs: r.cpuMs,
      durationMs: r.durationMs,
      coldStart,
      ...(initMs !== undefined ? { initMs } : {}),
      instanceId,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new TaskError(message, { cause: err });
  }
  const bytes = Buffer.byteLength(JSON.stringify(reply));
  if (bytes > LAMBDA_SYNC_PAYLOAD_BYTES) {
    throw new ResponseTooLargeError(
      `reply of batch ${batchId} is ${bytes} bytes, over Lambda's ${LAMBDA_SYNC_PAYLOAD_BYTES}-byte response limit`,
    );
  }
  return reply;
}
