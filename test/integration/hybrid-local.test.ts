import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Backend, BackendStartContext, BatchJob, BatchOutcome } from '../../orchestrator/backends/backend.js';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { InlineBackend } from '../../orchestrator/backends/inline/inline-backend.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { RunStats } from '../../orchestrator/stats.js';
import { sleep } from '../../orchestrator/tasks/sleep.js';

/** Every batch id merged exactly once: one `ok` record per id, `expected` ids in all. */
function expectEachBatchOnce(stats: RunStats, expected: number): void {
  const ok = new Map<string, number>();
  for (const r of stats.records)
    if (r.stage === 'cpu' && r.status === 'ok') ok.set(r.batchId, (ok.get(r.batchId) ?? 0) + 1);
  expect(ok.size).toBe(expected);
  expect([...ok.values()].every((n) => n === 1)).toBe(true);
}

/** Runs the sleep task's map in-process after an extra delay that ignores cancellation, like a slow remote reply. */
class SlowBackend implements Backend {
  readonly name = 'slow';
  constructor(
    readonly slots: number,
    readonly extraMs: (job: BatchJob) => number,
  ) {}
  async start(_ctx: BackendStartContext): Promise<void> {}
  capacity(): number {
    return this.slots;
  }
  async run(job: BatchJob, _signal: AbortSignal): Promise<BatchOutcome> {
    const startedAt = Date.now();
    await delay(this.extraMs(job));
    const partial = await sleep.map(job.batch as { index: number; ms: number }, {
      signal: new AbortController().signal,
    });
    return { partial, workerId: 'slow-0', startedAt, endedAt: Date.now() };
  }
  async stop(): Promise<void> {}
}

/** Works for `okJobs` jobs, then every run fails like an unreachable endpoint. */
class DyingBackend implements Backend {
  readonly name = 'dying';
  readonly #inner: InlineBackend;
  #runs = 0;
  constructor(
    slots: number,
    readonly okJobs: number,
  ) {
    this.#inner = new InlineBackend(slots);
  }
  start(ctx: BackendStartContext): Promise<void> {
    return this.#inner.start(ctx);
  }
  capacity(): number {
    return this.#inner.capacity();
  }
  async run(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
    if (++this.#runs > this.okJobs) {
      await delay(5);
      throw new FanoutError('ENETWORK', 'connect ECONNREFUSED 127.0.0.1:1', { batchId: job.id });
    }
    return this.#inner.run(job, signal);
  }
  stop(): Promise<void> {
    return this.#inner.stop();
  }
}

describe('hybrid backend over two local backends', () => {
  it('gives the exact prime count with both sides taking batches', async () => {
    // Prepare: one child process and one worker thread, many small batches so both sides pull work
    const hybrid = new HybridBackend({
      local: new ProcessBackend({ workers: 1 }),
      remote: new ThreadBackend({ workers: 1 }),
    });
    await hybrid.start({ task: { kind: 'builtin', name: 'primes' } });

    // Act
    const { result, stats } = await fanout('primes', { limit: 2_000_000 }, { backend: hybrid, batchSize: 100_000 });

    // Assess: π(2·10^6) = 148933
    expect(result).toEqual({ count: 148933 });
    expect(stats.byBackend.process?.batches).toBeGreaterThan(0);
    expect(stats.byBackend.thread?.batches).toBeGreaterThan(0);
    expect((stats.byBackend.process?.batches ?? 0) + (stats.byBackend.thread?.batches ?? 0)).toBe(20);
    expectEachBatchOnce(stats, 20);
    await hybrid.stop();
  });

  it('re-runs stragglers on the other side and never merges a batch twice', async () => {
    // Prepare: the slow side takes 600 ms extra on every batch and ignores cancellation, so its late replies arrive
    // after the fast side's copy has been merged
    const hybrid = new HybridBackend({
      local: new InlineBackend(4),
      remote: new SlowBackend(2, () => 600),
      localSide: 'fast',
      remoteSide: 'slow',
    });
    await hybrid.start({ task: { kind: 'builtin', name: 'sleep' } });

    // Act
    const { result, stats } = await fanout('sleep', { batches: 24, ms: 20 }, { backend: hybrid, speculate: true });

    // Assess: exact totals, one ok per batch id, speculation happened and late copies were dropped, not merged
    expect(result).toEqual({ batches: 24, sleptMs: 480 });
    expectEachBatchOnce(stats, 24);
    expect(stats.records.some((r) => r.speculative)).toBe(true);
    const speculativeWins = stats.records.filter((r) => r.speculative && r.status === 'ok');
    expect(speculativeWins.every((r) => r.side === 'fast')).toBe(true);
    // every attempt, cancelled copies included, is drawn on the side it ran on
    expect(stats.records.every((r) => r.side === 'fast' || r.side === 'slow')).toBe(true);
    expect(stats.duplicates).toBeGreaterThan(0);
    await delay(700); // let the slow side's last timers end before the next test
    await hybrid.stop();
  });

  it('finishes on the healthy side when the other side starts failing mid-run', async () => {
    // Prepare: the dying side serves 3 jobs, then every call fails with ENETWORK
    const dying = new DyingBackend(2, 3);
    const hybrid = new HybridBackend({
      local: new InlineBackend(2),
      remote: dying,
      localSide: 'good',
      remoteSide: 'dying',
    });
    await hybrid.start({ task: { kind: 'builtin', name: 'fault' } });

    // Act: fault task with no failing batch; indexSum is exact only if every batch merged once
    const { result, stats } = await fanout(
      'fault',
      { batches: 30, ms: 15, failOn: -1 },
      { backend: hybrid, retries: 2, speculate: false },
    );

    // Assess: 0 + 1 + … + 29 = 435
    expect(result).toEqual({ batches: 30, indexSum: 435 });
    expectEachBatchOnce(stats, 30);
    expect(stats.byBackend.dying?.batches).toBe(3);
    expect(stats.byBackend.good?.batches).toBe(27);
    const faults = stats.records.filter((r) => r.errorCode === 'ENETWORK');
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.every((r) => r.side === 'dying')).toBe(true);
    expect(stats.droppedSides).toEqual([
      { side: 'dying', reason: expect.stringMatching(/^2 side faults in a row, the last: \[ENETWORK\] /) },
    ]);
    await hybrid.stop();
  });

  it('rejects two sides with the same name, naming the problem', () => {
    expect(() => new HybridBackend({ local: new InlineBackend(), remote: new InlineBackend() })).toThrow(
      /different names, got `inline` twice/,
    );
  });
});
