import { expect } from 'vitest';
import type { RunStats } from '../../orchestrator/stats.js';

/** The seed of this chaos run: `CHAOS_SEED=n npm test` replays a run; the default keeps CI deterministic. */
export const SEED = Number(process.env.CHAOS_SEED ?? 20_261_201);

/** mulberry32: a tiny seeded PRNG, so the same seed picks the same faults for the same batches. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A fault plan over batch ids `0…n-1`: each batch gets one of `kinds` with probability `rate`, drawn from `seed`
 * (salted by `salt`, so every case has its own plan). At least one batch of each kind is faulted, so every kind is
 * exercised whatever the seed.
 */
export function faultPlan<K extends string>(
  n: number,
  kinds: readonly K[],
  rate: number,
  salt: string,
): Map<number, K> {
  let h = SEED;
  for (const c of salt) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const rnd = seededRandom(h);
  const plan = new Map<number, K>();
  for (let i = 0; i < n; i++) if (rnd() < rate) plan.set(i, kinds[Math.floor(rnd() * kinds.length)] as K);
  kinds.forEach((k, j) => {
    if (![...plan.values()].includes(k)) plan.set((j * 7 + 3) % n, k);
  });
  return plan;
}

/** Prints what a case injected, so a failing run can be read (and replayed with CHAOS_SEED). */
export function printFaults(label: string, injected: Record<string, number | string[]>): void {
  console.log(`chaos seed=${SEED} ${label}: injected ${JSON.stringify(injected)}`);
}

/** Counts of values, `{ throw: 2, hang: 1 }`. */
export function tally(values: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Every batch id merged exactly once: one `ok` record per id, `batches` ids in all, no duplicate merged. */
export function expectEachBatchMergedOnce(stats: RunStats, batches: number): void {
  const ok = new Map<string, number>();
  for (const r of stats.records)
    if (r.stage === 'cpu' && r.status === 'ok') ok.set(r.batchId, (ok.get(r.batchId) ?? 0) + 1);
  expect(stats.batches).toBe(batches);
  expect(ok.size).toBe(batches);
  expect([...ok.values()].every((n) => n === 1)).toBe(true);
}
