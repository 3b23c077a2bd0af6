import { type LambdaCost, lambdaCostOfTotals } from '../report/cost.js';
import type { LambdaArchitecture } from '../report/lambda-pricing.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';

/** What a short measured sample of a task says about one of its batches. */
export interface TaskSample {
  /** Median warm wall time of one batch's map on one local core, ms. */
  batchMs: number;
  /** Median CPU time of one batch's map, ms (≤ batchMs; the rest is waiting, which memory does not speed up). */
  batchCpuMs: number;
  /** Extra time of an execution environment's first invoke (INIT: runtime start + handler and task load), ms. */
  coldStartMs: number;
  /**
   * The emulator's INIT when several environments start at once, measured (emulator samples only): n environments
   * started together each take `fixedMs + perEnvironmentMs × n`. Its INIT is CPU work on this machine's cores, shared
   * with whatever else runs on them, so the slope is measured rather than derived from the core count.
   */
  sharedInit?: SharedInit;
  /** Per-invoke time that is neither map nor INIT: network, client, (de)serialising, ms. */
  invokeOverheadMs: number;
  /** Largest sampled request (the invoke event), bytes. */
  requestBytes: number;
  /** Largest sampled response (the worker's reply), bytes. */
  responseBytes: number;
}

/** INIT of environments starting together on shared cores: each of n takes `fixedMs + perEnvironmentMs × n`. */
export interface SharedInit {
  fixedMs: number;
  perEnvironmentMs: number;
}

/** The INIT each of `together` environments takes when they start at once under {@link SharedInit}. */
export function sharedInitMs(init: SharedInit, together: number): number {
  return init.fixedMs + init.perEnvironmentMs * Math.max(1, together);
}

/** One N-way fan-out to predict. */
export interface LambdaScenario {
  batches: number;
  /** Invocations fanout keeps in flight (`--concurrency`). */
  concurrency: number;
  /** @default 1000 (the default account quota) */
  accountConcurrency?: number;
  memoryMb: number;
  architecture: LambdaArchitecture;
  /**
   * Scale the CPU part of a batch by Lambda's CPU share at `memoryMb` (1 vCPU at 1,769 MB). Off for a prediction of the
   * emulator, whose "functions" are threads on local cores. @default true
   */
  scaleCpuByMemory?: boolean;
  /**
   * INIT shared by environments that start together (see {@link simulateFanout}). AWS starts environments
   * independently (unset); serverless-offline loads each instance's handler on the host's cores, so the emulator
   * target passes the sample's measured {@link TaskSample.sharedInit}. @default unset: every INIT takes the cold start
   */
  sharedInit?: SharedInit;
  /**
   * Work and charges every batch adds beyond its invoke (for example S3 offload: a PUT and a GET per offloaded batch,
   * and the time the function spends on them). Empty when nothing is added. @default []
   */
  perBatchExtras?: readonly PerBatchExtra[];
}

/**
 * A cost one batch adds next to its Lambda invoke: extra requests to another service, their price, and the time the
 * function waits for them (which lengthens the invoke and its billed duration). The place for charges other parts of
 * fanout add to a plan (S3 offload of big payloads, a coordinator).
 */
export interface PerBatchExtra {
  /** What it is, for the report: `S3 offload (PUT + GET + DELETE)`. */
  what: string;
  /** Requests to the other service per batch. */
  requests: number;
  /** USD per batch for those requests (and anything else billed per batch outside Lambda). */
  usd: number;
  /** Time the function spends on it per batch, ms (added to the invoke and billed as Lambda duration). */
  ms: number;
}

/** An extra charge summed over a fan-out. */
export interface ExtraCharge {
  what: string;
  requests: number;
  usd: number;
}

/** A predicted Lambda fan-out. */
export interface LambdaPrediction {
  wallMs: number;
  /** Execution environments started, each paying one cold start (INIT). */
  coldStarts: number;
  /** Concurrency actually used: min(concurrency, account quota, batches). */
  effectiveConcurrency: number;
  /** What bounded the concurrency. */
  limitedBy: 'concurrency' | 'account quota' | 'batches';
  /** True when the 1,000-environments-per-10-s ramp delayed some invoke. */
  rampLimited: boolean;
  /** One batch on Lambda at this memory (map only), ms. */
  lambdaBatchMs: number;
  /** One cold start (INIT) at this memory, ms. */
  initMs: number;
  /** The Lambda bill (requests, GB-s, INIT). */
  cost: LambdaCost;
  /** Charges outside Lambda from {@link LambdaScenario.perBatchExtras}, summed over the batches. */
  extras: ExtraCharge[];
  /** Lambda's bill plus the extras, USD. */
  totalUsd: number;
}

/**
 * A batch's map time on Lambda at `memoryMb`: the CPU part stretched by the CPU share below 1,769 MB (a single-threaded
 * map gains nothing above it), the waiting part unchanged.
 */
export function lambdaBatchMs(sample: Pick<TaskSample, 'batchMs' | 'batchCpuMs'>, memoryMb: number): number {
  const cpu = Math.min(sample.batchCpuMs, sample.batchMs);
  return sample.batchMs - cpu + cpu / cpuShare(memoryMb);
}

/** Lambda's CPU share at `memoryMb`: 1 (a full vCPU) from 1,769 MB, proportionally less below. */
export function cpuShare(memoryMb: number): number {
  return Math.min(1, memoryMb / LAMBDA_LIMITS.fullVcpuMemoryMb);
}

/**
 * A cold start (INIT) on Lambda at `memoryMb`: INIT is CPU work (runtime start, loading the handler and the task), so
 * the sampled one, taken on a full core, is stretched by the CPU share like a batch's CPU part. AWS documents no extra
 * CPU during INIT, so none is assumed.
 */
export function lambdaInitMs(coldStartMs: number, memoryMb: number): number {
  return Math.max(0, coldStartMs) / cpuShare(memoryMb);
}

/** Time at which the `k`-th execution environment (0-based) may start, under the per-function scaling rate. */
export function environmentAvailableAt(k: number): number {
  return Math.floor(k / LAMBDA_LIMITS.scaleStepEnvironments) * LAMBDA_LIMITS.scaleStepMs;
}

/**
 * Wall time of `batches` identical invokes on at most `slots` environments, each invoke taking `invokeMs` and an
 * environment's first one `coldMs` more; environment k exists from {@link environmentAvailableAt}(k). Every batch goes
 * to the environment that frees up first (what a scheduler with `slots` in flight does), so a late environment is
 * used only when it is free before the early ones. Returns the wall time and how many environments were used.
 *
 * `sharedInit` (the emulator) makes INIT shared: the n environments that start at the same moment each take
 * {@link sharedInitMs}(n) instead of `coldMs` — all of them, not the first few at full speed (measured on
 * serverless-offline: n cold starts at once all end together, later the more of them there are).
 */
export function simulateFanout(
  batches: number,
  slots: number,
  invokeMs: number,
  coldMs: number,
  sharedInit?: SharedInit,
): { wallMs: number; environments: number; rampLimited: boolean } {
  const used = Math.min(slots, batches);
  /** INIT of environment k: stretched by the environments starting with it when cores bound INIT. */
  const initMsOf = (k: number): number => {
    if (sharedInit === undefined) return coldMs;
    const step = LAMBDA_LIMITS.scaleStepEnvironments;
    return sharedInitMs(sharedInit, Math.min(step, used - Math.floor(k / step) * step));
  };
  // Min-heap of [freeAt, environment index] over the environments in use; the next unused one is `nextEnv`.
  const heap: [number, number][] = [];
  let nextEnv = 0;
  let wallMs = 0;
  let rampLimited = false;
  for (let b = 0; b < batches; b++) {
    const top = heap[0];
    const freshAt = nextEnv < slots ? environmentAvailableAt(nextEnv) : Number.POSITIVE_INFINITY;
    if (top === undefined || freshAt <= top[0]) {
      // a new environment can start no later than the earliest busy one frees up: start it (it pays INIT)
      if (freshAt > 0) rampLimited = true;
      const end = freshAt + initMsOf(nextEnv) + invokeMs;
      heapPush(heap, [end, nextEnv++]);
      wallMs = Math.max(wallMs, end);
    } else {
      const end = top[0] + invokeMs;
      heapReplaceTop(heap, [end, top[1]]);
      wallMs = Math.max(wallMs, end);
    }
  }
  return { wallMs, environments: nextEnv, rampLimited };
}

/** Predicts wall time and cost of one Lambda fan-out from a task sample. */
export function predictLambda(sample: TaskSample, s: LambdaScenario): LambdaPrediction {
  const account = s.accountConcurrency ?? LAMBDA_LIMITS.accountConcurrency;
  const effective = Math.max(1, Math.min(s.concurrency, account, s.batches));
  const limitedBy =
    effective === s.batches && s.batches < Math.min(s.concurrency, account)
      ? 'batches'
      : account < s.concurrency
        ? 'account quota'
        : 'concurrency';
  const scaled = s.scaleCpuByMemory !== false;
  const mapMs = scaled ? lambdaBatchMs(sample, s.memoryMb) : sample.batchMs;
  const extras = s.perBatchExtras ?? [];
  // time the function spends on per-batch extras (e.g. S3 reads and writes): part of the invoke and of its bill
  const runMs = mapMs + extras.reduce((t, e) => t + e.ms, 0);
  const initColdMs = scaled ? lambdaInitMs(sample.coldStartMs, s.memoryMb) : Math.max(0, sample.coldStartMs);
  const sim = simulateFanout(s.batches, effective, runMs + sample.invokeOverheadMs, initColdMs, s.sharedInit);
  // Billed: every invoke's duration in whole ms, plus INIT of each cold environment (billed since 2025-08-01).
  const initMs = initColdMs;
  const initBilledMs = sim.environments * Math.ceil(initMs);
  const billedMs = s.batches * Math.max(1, Math.ceil(runMs)) + initBilledMs;
  const cost = lambdaCostOfTotals(
    { requests: s.batches, billedMs, coldStarts: sim.environments, initMs: sim.environments * initMs, initBilledMs },
    { memoryMb: s.memoryMb, architecture: s.architecture },
  );
  const charges = extras.map((e) => ({ what: e.what, requests: e.requests * s.batches, usd: e.usd * s.batches }));
  return {
    wallMs: sim.wallMs,
    coldStarts: sim.environments,
    effectiveConcurrency: effective,
    limitedBy,
    rampLimited: sim.rampLimited,
    lambdaBatchMs: mapMs,
    initMs,
    cost,
    extras: charges,
    totalUsd: cost.totalUsd + charges.reduce((t, c) => t + c.usd, 0),
  };
}

/** Local processes: measured per-batch time × N / cores (perfect scaling, no start-up: the bound local can reach). */
export function predictLocal(sample: Pick<TaskSample, 'batchMs'>, batches: number, cores: number): number {
  return (sample.batchMs * batches) / Math.max(1, cores);
}

/**
 * The smallest N (1 ≤ N ≤ maxBatches) from which Lambda at `scenario`'s concurrency is predicted faster than `cores`
 * local processes and stays faster up to maxBatches (checked on a log-spaced grid, then refined by bisection), or
 * undefined when it never overtakes.
 */
export function overtakeBatches(
  sample: TaskSample,
  scenario: Omit<LambdaScenario, 'batches'>,
  cores: number,
  maxBatches: number = LAMBDA_LIMITS.maxBatches,
): number | undefined {
  const faster = (n: number): boolean =>
    predictLambda(sample, { ...scenario, batches: n }).wallMs < predictLocal(sample, n, cores);
  const grid = logGrid(maxBatches);
  let firstGood: number | undefined;
  let lastBad = 0;
  for (const n of grid) {
    if (faster(n)) firstGood ??= n;
    else {
      firstGood = undefined;
      lastBad = n;
    }
  }
  if (firstGood === undefined) return undefined;
  let lo = lastBad;
  let hi = firstGood;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (faster(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** 1, 2, 3, … 10, then about 24 points per decade up to `max` (always included). */
export function logGrid(max: number): number[] {
  const out = new Set<number>();
  for (let n = 1; n <= Math.min(10, max); n++) out.add(n);
  for (let e = 1; 10 ** e <= max; e += 1 / 24) out.add(Math.min(max, Math.round(10 ** e)));
  out.add(max);
  return [...out].sort((a, b) => a - b);
}

function heapPush(h: [number, number][], x: [number, number]): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i] as [number, number], h[p] as [number, number])) break;
    [h[i], h[p]] = [h[p] as [number, number], h[i] as [number, number]];
    i = p;
  }
}

function heapReplaceTop(h: [number, number][], x: [number, number]): void {
  h[0] = x;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(h[l] as [number, number], h[m] as [number, number])) m = l;
    if (r < h.length && less(h[r] as [number, number], h[m] as [number, number])) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m] as [number, number], h[i] as [number, number]];
    i = m;
  }
}

function less(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
