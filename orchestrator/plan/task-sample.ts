import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeEvent } from '../backends/lambda/payload.js';
import { attemptOf } from '../backends/signal-cancel.js';
import { inputError } from '../errors.js';
import { OFFLOAD_OVER_BYTES } from '../far-side/payload-limit.js';
import { type SampledOffload, sampledOffloads } from '../offload/offload-cost.js';
import { fanoutPackageRoot } from '../project/service-dir.js';
import { wireTaskOf } from '../tasks/registry.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';
import type { SharedInit } from './fanout-simulation.js';
import type { TaskSample } from './scale-model.js';

const execFileP = promisify(execFile);

/** How a sample was taken, next to the figures the model uses. */
export interface MeasuredSample extends TaskSample {
  /** Batches timed (after one untimed warm-up batch). */
  sampled: number;
  /** Per-batch map wall times locally, ms. */
  localBatchMs: number[];
  /** Where `coldStartMs` came from. */
  coldStartSource: 'emulator (first invoke − warm invoke)' | 'local process (node start + handler load)';
  /** Where `invokeOverheadMs` came from (0 when only local). */
  overheadSource: 'emulator (invoke wall − far-side map time)' | 'not measured (local sample only)';
  /** Each sampled batch's event and reply size, and whether it would go through S3 (over the offload threshold). */
  offloads: SampledOffload[];
  /** Emulator figures, when sampled there. */
  emulator?: {
    invokeMs: number[];
    durationMs: number[];
    coldInvokeMs: number;
    /** The burst the shared INIT was fitted on: new environments it started, and its wall minus a warm invoke, ms. */
    burst: { coldStarts: number; initMs: number };
  };
}

/** Options of {@link sampleTask}. */
export interface SampleOptions {
  task: AnyTask;
  /**
   * The reference the lambda backend names the task by: a built-in, or a bundled module (its `version` the bundle hash,
   * its `name` the task's), as `resolveTask` returns it.
   */
  ref: TaskRef;
  input: unknown;
  /** Batches to time. @default 4 */
  batches?: number;
  batchSize?: number;
  /** A running Invoke API (the emulator) to sample on as well; its batch times then drive the prediction. */
  endpoint?: string;
  signal?: AbortSignal;
  /** Cores of this machine: the emulator sample also times twice this many cold starts at once. @default available cores */
  cores?: number;
  /** The emulator's local S3 server, through which batches over the offload threshold go. */
  localS3?: { endpoint: string; bucket: string };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
};

/**
 * Measures a task on a few of its own batches: map wall and CPU time in this thread (one warm-up batch untimed), the
 * JSON sizes of event and reply, a cold start (a fresh node process loading the Lambda handler, or the emulator's first
 * invoke) and, with `endpoint`, the per-invoke overhead on the emulator. Marks the batches whose event or reply is over
 * the S3 offload threshold (they go through S3; their requests join the plan's cost).
 */
export async function sampleTask(opts: SampleOptions): Promise<MeasuredSample> {
  const k = opts.batches ?? 4;
  const batches: unknown[] = [];
  const signal = opts.signal ?? new AbortController().signal;
  for await (const b of opts.task.split(opts.input as never, { batchSize: opts.batchSize, workers: 1, signal })) {
    batches.push(b);
    if (batches.length >= k + 1) break;
  }
  if (batches.length === 0) throw inputError(`Task \`${opts.task.name}\` made no batches from this input`);
  const pick = (i: number): unknown => batches[i % batches.length];
  const localBatchMs: number[] = [];
  const cpuMs: number[] = [];
  // the task's id and version as the lambda backend puts them in every event
  const onWire = wireTaskOf(opts.ref);
  let requestBytes = 0;
  let responseBytes = 0;
  const sizes: { batch: number; requestBytes: number; responseBytes: number }[] = [];
  for (let i = 0; i <= k; i++) {
    signal.throwIfAborted();
    const batch = pick(i);
    // encoded as the backend encodes it; no limit here: a batch over the threshold goes through S3 (offloads below)
    const event = encodeEvent({ ...onWire, batchId: String(i), batch }, Number.POSITIVE_INFINITY);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const partial = await opts.task.map(batch as never, { signal } as never);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const reply = JSON.stringify({ batchId: String(i), partial, cpuMs: 0, durationMs: ms, coldStart: false });
    requestBytes = Math.max(requestBytes, event.byteLength);
    responseBytes = Math.max(responseBytes, Buffer.byteLength(reply));
    if (i === 0) continue; // warm-up: JIT and lazy init of the task
    sizes.push({ batch: i, requestBytes: event.byteLength, responseBytes: Buffer.byteLength(reply) });
    localBatchMs.push(ms);
    cpuMs.push((c.user + c.system) / 1000);
  }
  const base = {
    sampled: localBatchMs.length,
    localBatchMs,
    batchMs: median(localBatchMs),
    batchCpuMs: Math.min(median(cpuMs), median(localBatchMs)),
    requestBytes,
    responseBytes,
    offloads: sampledOffloads(sizes, OFFLOAD_OVER_BYTES),
  };
  if (opts.endpoint === undefined) {
    return {
      ...base,
      coldStartMs: await localColdStartMs(),
      invokeOverheadMs: 0,
      coldStartSource: 'local process (node start + handler load)',
      overheadSource: 'not measured (local sample only)',
    };
  }
  const emu = await sampleOnEmulator(opts, batches, k, signal);
  return {
    ...base,
    coldStartMs: emu.coldStartMs,
    sharedInit: emu.sharedInit,
    invokeOverheadMs: emu.overheadMs,
    coldStartSource: 'emulator (first invoke − warm invoke)',
    overheadSource: 'emulator (invoke wall − far-side map time)',
    emulator: {
      invokeMs: emu.invokeMs,
      durationMs: emu.durationMs,
      coldInvokeMs: emu.coldInvokeMs,
      burst: emu.burst,
    },
  };
}

/**
 * The line through (1, `aloneMs`) and (`burst.coldStarts`, `burst.initMs`): INIT of each of n environments starting
 * together. Never negative; a burst no slower than one cold start alone means INIT does not contend (slope 0).
 */
export function fitSharedInit(aloneMs: number, burst: { coldStarts: number; initMs: number }): SharedInit {
  if (burst.coldStarts <= 1) return { fixedMs: 0, perEnvironmentMs: Math.max(0, aloneMs) };
  const perEnvironmentMs = Math.max(0, (burst.initMs - aloneMs) / (burst.coldStarts - 1));
  return { fixedMs: Math.max(0, aloneMs - perEnvironmentMs), perEnvironmentMs };
}

/** Wall time of a fresh node process that loads the Lambda handler (functions/worker.js) and exits: an INIT proxy. */
async function localColdStartMs(): Promise<number> {
  // the compiled handler, wherever this module runs from (dist/, or the sources under a test runner)
  const handler = join(fanoutPackageRoot(), 'dist', 'functions', 'worker.js');
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await execFileP(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(handler)})`]);
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/**
 * One invoke after another on one emulator instance (the first cold, the rest warm), then a burst of 2 × `cores` cold
 * starts at once beside the warm instance. The lone cold start and the burst fit the emulator's shared INIT (see
 * {@link TaskSample.sharedInit}): its slope is what one more environment starting at the same time adds on these
 * cores as loaded right now, its intercept what does not depend on them.
 */
async function sampleOnEmulator(
  opts: SampleOptions,
  batches: unknown[],
  k: number,
  signal: AbortSignal,
): Promise<{
  coldStartMs: number;
  sharedInit: SharedInit;
  burst: { coldStarts: number; initMs: number };
  overheadMs: number;
  invokeMs: number[];
  durationMs: number[];
  coldInvokeMs: number;
}> {
  if (opts.ref.kind !== 'builtin') {
    throw inputError('Sampling on the emulator needs a built-in task (the function bundles the built-ins)');
  }
  const cores = opts.cores ?? availableParallelism();
  // the AWS SDK is loaded only when a sample runs on the emulator
  const { LambdaBackend } = await import('../backends/lambda/lambda-backend.js');
  const burstSize = 2 * cores;
  const backend = new LambdaBackend({
    endpoint: opts.endpoint as string,
    concurrency: burstSize + 1,
    ...(opts.localS3 ? { localS3: opts.localS3 } : {}),
  });
  await backend.start({ task: opts.ref });
  try {
    const invokeMs: number[] = [];
    const durationMs: number[] = [];
    let coldInvokeMs = 0;
    for (let i = 0; i <= k; i++) {
      const t0 = performance.now();
      const out = await backend.runAttempt(
        { id: `plan-${i}`, batch: batches[i % batches.length], attempt: 1 },
        attemptOf(signal),
      );
      const ms = performance.now() - t0;
      if (i === 0) {
        coldInvokeMs = ms;
        continue;
      }
      invokeMs.push(ms);
      durationMs.push(out.durationMs ?? ms);
    }
    const warm = median(invokeMs);
    const overheads = invokeMs.map((ms, i) => Math.max(0, ms - (durationMs[i] as number)));
    const coldStartMs = Math.max(0, coldInvokeMs - warm);
    // Then 2 × cores cold starts at once next to the warm instance: the emulator gives each concurrent invoke an idle
    // instance or a new one, and the replies say which were cold.
    const t0 = performance.now();
    const outs = await Promise.all(
      Array.from({ length: burstSize + 1 }, (_, i) =>
        backend.runAttempt(
          { id: `plan-burst-${i}`, batch: batches[i % batches.length], attempt: 1 },
          attemptOf(signal),
        ),
      ),
    );
    const burst = {
      coldStarts: outs.filter((o) => o.coldStart === true).length,
      initMs: performance.now() - t0 - warm,
    };
    return {
      coldStartMs,
      sharedInit: fitSharedInit(coldStartMs, burst),
      burst,
      overheadMs: median(overheads),
      invokeMs,
      durationMs,
      coldInvokeMs,
    };
  } finally {
    await backend.stop();
  }
}
