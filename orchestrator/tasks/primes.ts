import { checkIntInRange } from '../options.js';
import { countPrimesInRange } from './prime-sieve.js';
import { defineTask, type SplitContext } from './task.js';

/** Input of the primes task: count primes p < limit. */
export interface PrimesInput {
  limit: number;
}
/** One half-open range [lo, hi). */
export interface PrimesBatch {
  lo: number;
  hi: number;
}
/** Count of primes in a range, or in all ranges merged. */
export interface PrimesCount {
  count: number;
}

/** Largest accepted limit: the base primes stay under 10^6 and ranges stay exact doubles. */
export const MAX_PRIMES_LIMIT = 1e12;
/** Smallest default batch: below this, per-batch overhead outweighs the sieve. */
const MIN_DEFAULT_BATCH = 1 << 18;

/** Length of each range: `--batch-size`, else about 8 batches per slot, so a slow slot does not hold up the end. */
function rangeSize(limit: number, { batchSize, workers }: SplitContext): number {
  return batchSize ?? Math.max(MIN_DEFAULT_BATCH, Math.ceil(limit / (Math.max(1, workers) * 8)));
}

/** Counts primes below `--limit` with a segmented sieve: the CPU-bound workload. */
export const primes = defineTask<PrimesInput, PrimesBatch, PrimesCount, PrimesCount>({
  name: 'primes',
  description: 'count primes p < limit with a segmented sieve (CPU-bound)',
  options: [
    { name: 'limit', kind: 'nonNegativeInt', description: 'count primes below this number', default: 10_000_000 },
  ],
  *split({ limit }, ctx) {
    checkIntInRange('limit', limit, 0, MAX_PRIMES_LIMIT);
    const size = rangeSize(limit, ctx);
    if (limit === 0) {
      yield { lo: 0, hi: 0 };
      return;
    }
    for (let lo = 0; lo < limit; lo += size) yield { lo, hi: Math.min(limit, lo + size) };
  },
  countBatches: ({ limit }, ctx) => (limit === 0 ? 1 : Math.ceil(limit / rangeSize(limit, ctx))),
  map: ({ lo, hi }) => ({ count: countPrimesInRange(lo, hi) }),
  init: () => ({ count: 0 }),
  merge: (acc, partial) => ({ count: acc.count + partial.count }),
  subdivide({ lo, hi }) {
    const mid = lo + Math.floor((hi - lo) / 2);
    return mid === lo
      ? [{ lo, hi }]
      : [
          { lo, hi: mid },
          { lo: mid, hi },
        ];
  },
});
