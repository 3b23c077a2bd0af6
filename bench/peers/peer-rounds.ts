/** How the peers benchmark runs its contenders (interleaved rounds) and reports them (median, min–max, paired ratios). */
import { median } from '../bench-results.js';

/** One contender of a workload: runs it once and returns the wall time, ms (after checking the answer). */
export interface Contender {
  name: string;
  run(): Promise<number>;
}

/** Median, min and max of a contender's rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(runs: number[]): Spread {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs };
}

export const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Runs every contender once per round (`rounds` rounds), rotating the order each round; returns each one's wall times. */
export async function interleaved(contenders: Contender[], rounds: number): Promise<Map<string, number[]>> {
  const walls = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length] as Contender;
      walls.get(c.name)?.push(await c.run());
    }
  }
  return walls;
}

export async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Ratio of fanout's speed to the reference's, per round (rounds are paired: round i of both ran back to back), then the
 * median and the spread of those per-round ratios.
 */
export function pairedRatio(fanoutRuns: number[], refRuns: number[]): Spread {
  return spread(fanoutRuns.map((f, i) => r2((refRuns[i] as number) / f)));
}

export function fmtSpread(s: Spread): string {
  return `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}
