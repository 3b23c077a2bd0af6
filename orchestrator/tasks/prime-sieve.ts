/**
 * Segmented sieve of Eratosthenes over odd numbers. Counting primes in [lo, hi) needs only the base primes below
 * √hi and a cache-sized window, so any range can be counted independently — which is what lets fanout split the work.
 */

/** Odd values per window: 32 KiB of Uint8Array stays in L1/L2 cache, which is where the sieve gets its speed. */
const WINDOW = 1 << 15;

/** Odd primes p with p*p < limit, by a plain sieve (limit is at most ~10^6 for N = 10^12). */
export function oddBasePrimes(limit: number): Uint32Array {
  const root = Math.floor(Math.sqrt(Math.max(0, limit - 1)));
  if (root < 3) return new Uint32Array(0);
  const composite = new Uint8Array(root + 1);
  const out: number[] = [];
  for (let i = 3; i <= root; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j <= root; j += 2 * i) composite[j] = 1;
  }
  return Uint32Array.from(out);
}

/** Number of primes p with lo <= p < hi. Exact for 0 <= lo <= hi <= 2^53. */
export function countPrimesInRange(lo: number, hi: number): number {
  if (hi <= 2 || hi <= lo) return 0;
  let count = lo <= 2 ? 1 : 0; // the only even prime
  let start = Math.max(lo, 3);
  if (start % 2 === 0) start += 1;
  if (start >= hi) return count;
  const base = oddBasePrimes(hi);
  const total = Math.ceil((hi - start) / 2); // odd values start, start+2, … below hi
  const seg = new Uint8Array(WINDOW);
  for (let first = 0; first < total; first += WINDOW) {
    const len = Math.min(WINDOW, total - first);
    const lowValue = start + 2 * first;
    seg.fill(0, 0, len);
    for (let k = 0; k < base.length; k++) {
      const p = base[k] as number;
      const sq = p * p;
      const highValue = lowValue + 2 * (len - 1);
      if (sq > highValue) break;
      let m = sq >= lowValue ? sq : Math.ceil(lowValue / p) * p;
      if (m % 2 === 0) m += p;
      for (let j = (m - lowValue) / 2; j < len; j += p) seg[j] = 1;
    }
    for (let j = 0; j < len; j++) if (seg[j] === 0) count++;
    if (lowValue === 1) count--; // 1 is odd but not prime
  }
  return count;
}
