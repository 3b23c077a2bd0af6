import { inputError } from '../errors.js';
import { type LambdaPrediction, type LambdaScenario, predictLambda, type TaskSample } from './scale-model.js';

/** Lambda's memory range, MB. */
export const LAMBDA_MEMORY_RANGE = { min: 128, max: 10_240 } as const;

/** One memory size of a sweep: its predicted fan-out. */
export interface SweepPoint {
  memoryMb: number;
  wallMs: number;
  /** Lambda's bill plus any per-batch extras, USD. */
  usd: number;
  gbSeconds: number;
  /** One batch's map at this size, ms. */
  lambdaBatchMs: number;
  /** One cold start at this size, ms. */
  initMs: number;
  coldStarts: number;
  prediction: LambdaPrediction;
}

/** A memory sweep: a prediction per size, and the sizes it recommends (as memory sizes, MB). */
export interface MemorySweep {
  points: SweepPoint[];
  /** Least cost; among sizes within {@link NEAR} of it, the fastest. */
  cheapest: number;
  /** Least wall time; among sizes within {@link NEAR} of it, the cheapest. */
  fastest: number;
  /**
   * Least `½ × cost / highest cost + ½ × wall / longest wall` over the sweep: each measure scaled to the sweep's worst,
   * weighted equally.
   */
  balanced: number;
}

/** Two sizes whose cost (or wall time) differ by less than this share count as a tie, broken by the other measure. */
export const NEAR = 0.01;

/**
 * Parses `--memory`: one size, or a comma-separated list (`512,1024,1769`), each an integer from 128 to 10,240 MB.
 * Duplicates are dropped, the list is sorted. Throws one EINPUT error naming the bad entry.
 */
export function parseMemoryList(raw: string): number[] {
  const entries = raw.split(',').map((e) => e.trim());
  const sizes = entries.map((e) => {
    const n = /^\d+$/.test(e) ? Number(e) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < LAMBDA_MEMORY_RANGE.min || n > LAMBDA_MEMORY_RANGE.max) {
      throw inputError(
        `Expected \`--memory\` to be an integer from ${LAMBDA_MEMORY_RANGE.min} to ${LAMBDA_MEMORY_RANGE.max} (MB) or a comma-separated list of them, got \`${e}\` in \`${raw}\``,
      );
    }
    return n;
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** Predicts the same fan-out at each memory size and picks the cheapest, the fastest and a balanced size. */
export function sweepMemory(
  sample: TaskSample,
  scenario: Omit<LambdaScenario, 'memoryMb'>,
  sizes: readonly number[],
): MemorySweep {
  if (sizes.length === 0) throw inputError('A memory sweep needs at least one size');
  const points = sizes.map((memoryMb): SweepPoint => {
    const p = predictLambda(sample, { ...scenario, memoryMb });
    return {
      memoryMb,
      wallMs: p.wallMs,
      usd: p.totalUsd,
      gbSeconds: p.cost.gbSeconds,
      lambdaBatchMs: p.lambdaBatchMs,
      initMs: p.initMs,
      coldStarts: p.coldStarts,
      prediction: p,
    };
  });
  return { points, ...pickSizes(points) };
}

/** The cheapest, fastest and balanced sizes of a sweep (see {@link MemorySweep}). */
export function pickSizes(
  points: readonly Pick<SweepPoint, 'memoryMb' | 'wallMs' | 'usd'>[],
): Pick<MemorySweep, 'cheapest' | 'fastest' | 'balanced'> {
  const best = <T>(xs: readonly T[], score: (x: T) => number): T => xs.reduce((a, b) => (score(b) < score(a) ? b : a));
  const minUsd = Math.min(...points.map((p) => p.usd));
  const minWall = Math.min(...points.map((p) => p.wallMs));
  const cheapest = best(
    points.filter((p) => p.usd <= minUsd * (1 + NEAR)),
    (p) => p.wallMs,
  );
  const fastest = best(
    points.filter((p) => p.wallMs <= minWall * (1 + NEAR)),
    (p) => p.usd,
  );
  const maxUsd = Math.max(...points.map((p) => p.usd)) || 1;
  const maxWall = Math.max(...points.map((p) => p.wallMs)) || 1;
  const balanced = best(points, (p) => 0.5 * (p.usd / maxUsd) + 0.5 * (p.wallMs / maxWall));
  return { cheapest: cheapest.memoryMb, fastest: fastest.memoryMb, balanced: balanced.memoryMb };
}
