/**
 * A plain node process that counts primes in [lo, hi) with the same segmented sieve and prints
 * `{"count":…,"sieveMs":…}`: the "two plain processes sieving half each" reference for the π benchmarks.
 */
import { countPrimesInRange } from '../../orchestrator/tasks/prime-sieve.js';

const [lo, hi] = process.argv.slice(2).map(Number) as [number, number];
const t0 = performance.now();
const count = countPrimesInRange(lo, hi);
console.log(JSON.stringify({ count, sieveMs: performance.now() - t0 }));
