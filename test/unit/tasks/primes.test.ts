import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countPrimesInRange } from '../../../orchestrator/tasks/prime-sieve.js';
import { primes } from '../../../orchestrator/tasks/primes.js';

/** Trial-division reference: obviously correct, slow. */
function naiveCount(lo: number, hi: number): number {
  let n = 0;
  for (let x = Math.max(lo, 2); x < hi; x++) {
    let prime = true;
    for (let d = 2; d * d <= x; d++) {
      if (x % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) n++;
  }
  return n;
}

function runInline(limit: number, batchSize?: number): number {
  let acc = primes.init();
  for (const b of primes.split({ limit }, { batchSize, workers: 2 }) as Iterable<{ lo: number; hi: number }>) {
    acc = primes.merge(acc, primes.map(b, { signal: new AbortController().signal }) as { count: number }) as typeof acc;
  }
  return acc.count;
}

describe('primes: segmented sieve', () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 100, 997, 998, 1000, 7919, 7920, 65_536, 100_003])(
    'counts primes below %i like the naive reference',
    (n) => {
      expect(countPrimesInRange(0, n)).toBe(naiveCount(0, n));
    },
  );

  it('knows the classic values π(10^6), π(10^7)', () => {
    expect(countPrimesInRange(0, 1_000_000)).toBe(78_498);
    expect(runInline(10_000_000)).toBe(664_579);
  });

  it('is exact on ranges that start or end on a prime, and across window boundaries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 70_000 }), (lo, len) => {
        expect(countPrimesInRange(lo, lo + len)).toBe(naiveCount(lo, lo + len));
      }),
      { numRuns: 60 },
    );
    for (const [lo, hi] of [
      [2, 3],
      [3, 5],
      [7, 11],
      [11, 12],
      [65_521, 65_537],
      [65_537, 65_538],
      [1, 2],
      [2, 2],
    ]) {
      expect(countPrimesInRange(lo as number, hi as number)).toBe(naiveCount(lo as number, hi as number));
    }
  });

  it('gives the same count whatever the batch size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 1, max: 20_000 }), (limit, size) => {
        expect(runInline(limit, size)).toBe(naiveCount(0, limit));
      }),
      { numRuns: 40 },
    );
  });
});

describe('primes: split', () => {
  it('covers [0, limit) exactly once, in order, without gaps or overlaps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.option(fc.integer({ min: 2_000, max: 3_000_000 })),
        fc.integer({ min: 1, max: 64 }),
        (limit, size, workers) => {
          const ranges = [
            ...(primes.split({ limit }, { batchSize: size ?? undefined, workers }) as Iterable<{
              lo: number;
              hi: number;
            }>),
          ];
          let next = 0;
          for (const r of ranges) {
            expect(r.lo).toBe(next);
            expect(r.hi).toBeGreaterThanOrEqual(r.lo);
            next = r.hi;
          }
          expect(next).toBe(limit);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('subdivides a range into halves that cover it', () => {
    const parts = primes.subdivide!({ lo: 10, hi: 21 });
    expect(parts).toEqual([
      { lo: 10, hi: 15 },
      { lo: 15, hi: 21 },
    ]);
  });

  it.each([[-1], [1.5], [Number.NaN], [1e13]])('rejects limit %s with EINPUT', (limit) => {
    expect(() => [...(primes.split({ limit }, { batchSize: undefined, workers: 1 }) as Iterable<unknown>)]).toThrow(
      expect.objectContaining({ code: 'EINPUT' }),
    );
  });
});
