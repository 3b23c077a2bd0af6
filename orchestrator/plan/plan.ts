import type { CoordinatorCost } from '../coordinator/coordinator-cost.js';
import type { LambdaArchitecture } from '../report/lambda-pricing.js';
import type { SharedInit } from './fanout-simulation.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import { type MemorySweep, sweepMemory } from './memory-sweep.js';
import {
  type LambdaPrediction,
  type LambdaScenario,
  overtakeBatches,
  predictLambda,
  predictLocal,
  type TaskSample,
} from './scale-model.js';

/** What `fanout plan` was asked. */
export interface PlanRequest {
  batches: number;
  concurrency: number;
  accountConcurrency: number;
  /** Memory the scenario and the grid are predicted at; with {@link memorySizes}, the sweep's balanced size instead. */
  memoryMb: number;
  /** `--memory a,b,c`: predict the fan-out at each size too, and pick the cheapest, fastest and balanced one. */
  memorySizes?: number[];
  architecture: LambdaArchitecture;
  /** Charges every batch adds outside Lambda (S3 offload, a coordinator); see {@link LambdaScenario.perBatchExtras}. */
  perBatchExtras?: LambdaScenario['perBatchExtras'];
  /** Local cores the "local processes" bound uses. */
  cores: number;
  /** `aws`: Lambda at `memoryMb`; `emulator`: serverless-offline on this machine (no CPU scaling by memory). */
  target: 'aws' | 'emulator';
}

/** One cell of the grid: N batches at one concurrency. */
export interface PlanCell {
  concurrency: number;
  wallMs: number;
  usd: number;
  coldStarts: number;
}

/** One row of the grid: N batches, locally and at each concurrency. */
export interface PlanRow {
  batches: number;
  localMs: number;
  lambda: PlanCell[];
}

/** A full plan: the asked scenario, the grid, and where Lambda overtakes local processes. */
export interface Plan {
  request: PlanRequest;
  sample: TaskSample;
  prediction: LambdaPrediction;
  localMs: number;
  rows: PlanRow[];
  concurrencies: number[];
  /** Per concurrency: the N from which Lambda is faster than the local cores, or null if never (N ≤ 10,000). */
  overtake: { concurrency: number; batches: number | null }[];
  /** The asked fan-out at each of `request.memorySizes` (two or more), with the picks. */
  sweep?: MemorySweep;
  /** The asked fan-out with the cloud coordinator: its own cost and the caller's bandwidth saved (`fanout plan` adds it). */
  cloudCoordinator?: CoordinatorCost;
}

/** Batch counts the grid shows: powers of ten up to 10,000 plus the asked N. */
export function gridBatches(asked: number): number[] {
  return [...new Set([1, 10, 100, 1000, 10_000, asked])].sort((a, b) => a - b);
}

/** Concurrencies the grid shows: the asked one, 10, 100 and 1,000, none above the account quota. */
export function gridConcurrencies(asked: number, account: number): number[] {
  return [...new Set([10, 100, 1000, account, Math.min(asked, account)])]
    .filter((c) => c <= account && c >= 1)
    .sort((a, b) => a - b);
}

/**
 * The emulator's shared INIT: as sampled, else (a sample without a burst) the cold start spread over the cores,
 * `coldStartMs × n / cores` for n at once.
 */
function emulatorInit(sample: TaskSample, cores: number): SharedInit {
  return sample.sharedInit ?? { fixedMs: 0, perEnvironmentMs: sample.coldStartMs / Math.max(1, cores) };
}

/** Builds the plan from a measured sample: the asked scenario, a grid of N × concurrency, and the overtake points. */
export function buildPlan(sample: TaskSample, asked: PlanRequest): Plan {
  const base = (batches: number, concurrency: number): Omit<LambdaScenario, 'memoryMb'> => ({
    batches,
    concurrency,
    accountConcurrency: asked.accountConcurrency,
    architecture: asked.architecture,
    scaleCpuByMemory: asked.target === 'aws',
    // the emulator's INIT is CPU work on this machine's cores: n cold starts at once take longer, as measured
    ...(asked.target === 'emulator' ? { sharedInit: emulatorInit(sample, asked.cores) } : {}),
    ...(asked.perBatchExtras ? { perBatchExtras: asked.perBatchExtras } : {}),
  });
  const sizes = asked.memorySizes ?? [];
  const sweep = sizes.length > 1 ? sweepMemory(sample, base(asked.batches, asked.concurrency), sizes) : undefined;
  // with a sweep, the scenario and the grid are shown at its balanced size
  const request = sweep ? { ...asked, memoryMb: sweep.balanced } : asked;
  const scenario = (batches: number, concurrency: number): LambdaScenario => ({
    ...base(batches, concurrency),
    memoryMb: request.memoryMb,
  });
  const concurrencies = gridConcurrencies(request.concurrency, request.accountConcurrency);
  const rows = gridBatches(request.batches).map((n) => ({
    batches: n,
    localMs: predictLocal(sample, n, request.cores),
    lambda: concurrencies.map((c) => {
      const p = predictLambda(sample, scenario(n, c));
      return { concurrency: c, wallMs: p.wallMs, usd: p.totalUsd, coldStarts: p.coldStarts };
    }),
  }));
  const overtake = concurrencies.map((c) => {
    const { batches: _, ...rest } = scenario(1, c);
    return {
      concurrency: c,
      batches: overtakeBatches(sample, rest, request.cores, LAMBDA_LIMITS.maxBatches) ?? null,
    };
  });
  return {
    request,
    sample,
    prediction: predictLambda(sample, scenario(request.batches, request.concurrency)),
    localMs: predictLocal(sample, request.batches, request.cores),
    rows,
    concurrencies,
    overtake,
    ...(sweep ? { sweep } : {}),
  };
}
