import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpuBound } from '../../orchestrator/backends/hybrid/core-sharing.js';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { BatchRecord, RunStats } from '../../orchestrator/stats.js';

/**
 * The hybrid as a user configures it, against serverless-offline on this machine (a loopback endpoint: the Lambda side
 * runs on the same cores as the process pool). Placement is asserted by orderings and counts, never by time.
 */
vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
vi.stubEnv('AWS_REGION', 'us-east-1');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ maxConcurrency: 8 });
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
  vi.unstubAllEnvs();
});

function okRecords(stats: RunStats, side: string): BatchRecord[] {
  return stats.records.filter((r) => r.stage === 'cpu' && r.status === 'ok' && r.side === side);
}

/** Most attempts on `side` running at one moment. */
function mostAtOnce(stats: RunStats, side: string): number {
  const edges = stats.records
    .filter((r) => r.side === side)
    .flatMap((r) => [
      [r.startMs, 1],
      [r.endMs, -1],
    ])
    .sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let now = 0;
  let most = 0;
  for (const [, d] of edges) {
    now += d as number;
    most = Math.max(most, now);
  }
  return most;
}

function expectEachBatchOnce(stats: RunStats, expected: number): void {
  const ok = new Map<string, number>();
  for (const r of stats.records)
    if (r.stage === 'cpu' && r.status === 'ok') ok.set(r.batchId, (ok.get(r.batchId) ?? 0) + 1);
  expect(ok.size).toBe(expected);
  expect([...ok.values()].every((n) => n === 1)).toBe(true);
}

describe('hybrid whose Lambda side shares the cores (emulator on loopback)', () => {
  it('CPU-bound: one Lambda batch to learn on, then none once the pool (a worker per core) measured CPU-bound work', async () => {
    // Prepare: a worker per core leaves no core idle
    const hybrid = new HybridBackend({
      workers: availableParallelism(),
      lambda: { endpoint: emulator.endpoint, concurrency: 4 },
    });
    await hybrid.start({ task: { kind: 'builtin', name: 'primes' } });

    // Act: π(2·10^7) in 40 batches
    let slotsAfter = 0;
    const { result, stats } = await fanout(
      'primes',
      { limit: 20_000_000 },
      { backend: hybrid, batchSize: 500_000, speculate: false },
    )
      .then((out) => {
        slotsAfter = hybrid.capacity();
        return out;
      })
      .finally(() => hybrid.stop());

    // Assess: exact, each batch once; the pool's first batches measured CPU-bound work (this machine would have to be
    // loaded some 20× over its cores for a sieve to look otherwise, see CPU_BOUND_SHARE), and from then on the Lambda
    // side got nothing: every attempt there started before the pool's first batch came back, one at a time
    expect(result).toEqual({ count: 1_270_607 });
    expectEachBatchOnce(stats, 40);
    const local = okRecords(stats, 'process').sort((a, b) => a.endMs - b.endMs);
    const firstShares = local.slice(0, 2).map((r) => (r.cpuMs ?? 0) / (r.durationMs ?? 1));
    expect(cpuBound(firstShares)).toBe(true);
    const firstLocalEnd = (local[0] as BatchRecord).endMs;
    expect(stats.records.filter((r) => r.side === 'lambda' && r.startMs > firstLocalEnd)).toEqual([]);
    expect(mostAtOnce(stats, 'lambda')).toBeLessThanOrEqual(1);
    // with Lambda parked the pool is the one side open: it takes its queue too (a batch queued behind each running
    // one), so its workers never wait a round trip between batches
    expect(slotsAfter).toBeGreaterThanOrEqual(2 * availableParallelism());
  });

  it('I/O-bound: the Lambda side gets its slots, not only the one batch to learn on', async () => {
    // Prepare: 8 warm instances (a cold one takes seconds on a loaded machine, and a side holds at most 2 batches until
    // its first success)
    await fanout(
      'sleep',
      { batches: 16, ms: 50 },
      { backend: 'lambda', lambda: { endpoint: emulator.endpoint, concurrency: 8 } },
    );
    const hybrid = new HybridBackend({ workers: 2, lambda: { endpoint: emulator.endpoint, concurrency: 8 } });
    await hybrid.start({ task: { kind: 'builtin', name: 'sleep' } });

    // Act: 60 batches that wait 50 ms each and use next to no CPU
    const { result, stats } = await fanout(
      'sleep',
      { batches: 60, ms: 50 },
      { backend: hybrid, speculate: false },
    ).finally(() => hybrid.stop());

    // Assess: exact; Lambda ran more than the one learning batch at once (how many more depends on how fast the
    // emulator answers on this machine's load, so only that its slots were opened is asserted)
    expect(result).toEqual({ batches: 60, sleptMs: 3000 });
    expectEachBatchOnce(stats, 60);
    expect(mostAtOnce(stats, 'lambda')).toBeGreaterThan(1);
    expect(okRecords(stats, 'lambda').length).toBeGreaterThan(1);
  });
});
