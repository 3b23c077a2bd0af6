/**
 * The far side of the lambda backend, behind the `worker` function (functions/worker.ts). It parses the event with the
 * one wire schema, finds the task by id among the bundled built-ins and the packaged user tasks (never code from the
 * event), refuses any version other than the caller's, and serves the batch with the same function the worker threads
 * and child processes use. Event: `{ "task": "primes", "version"?: "<bundle hash>", "batchId": "0", "batch": {…} }`.
 */
import { randomUUID } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { FanoutError } from '../errors.js';
import { batchOf, fitReply } from '../offload/far-side-offload.js';
import { functionShelf } from './function-shelf.js';
import type { CpuMeasure } from './run-batch.js';
import { serveBatch } from './serve-batch.js';
import type { HeldTask, TaskShelf } from './task-shelf.js';
import { type BatchReply, BatchRequestSchema, describeIssues } from './wire.js';
import { lambdaErrorFrom } from './wire-error.js';

/**
 * On real Lambda the handler owns its process, so process CPU time is exact. serverless-offline runs every instance as
 * a worker thread of one process, where process CPU would count all instances: there, measure the thread's busy time.
 */
const CPU_MEASURE: CpuMeasure = isMainThread ? 'process' : 'thread';

/** The worker function's reply for one batch. */
export type WorkerReply = BatchReply;

/** The part of the Lambda context the handler uses (no @types/aws-lambda needed for two members). */
export interface WorkerContext {
  getRemainingTimeInMillis?(): number;
  awsRequestId?: string;
}

/** A Lambda handler serving one batch per invoke; whatever goes wrong is thrown as {@link lambdaErrorFrom}'s error. */
export type LambdaHandler = (event: unknown, context?: WorkerContext) => Promise<WorkerReply>;

/** Random id of this execution environment: one timeline lane per instance. */
const instanceId = randomUUID().slice(0, 8);

/** Time kept back from the Lambda deadline so the handler can still answer with a clear error. */
const DEADLINE_MARGIN_MS = 500;

/**
 * The handler of a function holding every built-in at fanout's version and the `packaged` user tasks at their bundle
 * hash (each loaded on its first batch).
 */
export function lambdaHandler(packaged: readonly HeldTask[]): LambdaHandler {
  const shelf = functionShelf(packaged, 'the worker function');
  return async (event, context = {}) => {
    try {
      return await serve(shelf, event, context);
    } catch (err) {
      throw lambdaErrorFrom(err, instanceId);
    }
  };
}

async function serve(shelf: TaskShelf, event: unknown, context: WorkerContext): Promise<WorkerReply> {
  const parsed = BatchRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new FanoutError(
      'EREMOTE',
      `Invalid worker event, expected { task, version?, batchId, batch | batchObject }: ${describeIssues(parsed.error.issues)}`,
      { retryable: false },
    );
  }
  const request = parsed.data;
  const remaining = context.getRemainingTimeInMillis?.();
  const signal =
    remaining === undefined
      ? new AbortController().signal
      : AbortSignal.timeout(Math.max(1, remaining - DEADLINE_MARGIN_MS));
  // a batch offloaded to S3 is read (and checked) before the task sees it; a probe never has one
  const batch = await batchOf(request, signal);
  const r = await serveBatch(shelf, { ...request, batch }, { signal, measure: CPU_MEASURE });
  const reply: WorkerReply = {
    batchId: request.batchId,
    partial: r.partial,
    cpuMs: r.cpuMs,
    durationMs: r.durationMs,
    coldStart: r.coldStart ?? false,
    ...(r.initMs !== undefined ? { initMs: r.initMs } : {}),
    instanceId,
    ...(r.output ? { output: r.output } : {}),
  };
  // Real Lambda refuses a reply over 6 MB itself (`Function.ResponseSizeTooLarge`): fitReply offloads it to S3 when
  // the caller said where, else refuses it the same way, so the emulator and `sls invoke local` behave as Lambda.
  return fitReply(reply, request, signal);
}
