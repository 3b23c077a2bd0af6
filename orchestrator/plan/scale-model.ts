import { type LambdaCost, lambdaCostOfTotals } from '../report/cost.js';
import type { LambdaArchitecture } from '../report/lambda-pricing.js';
import { type SharedInit, simulateFanout } from './fanout-simulation.js';
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
