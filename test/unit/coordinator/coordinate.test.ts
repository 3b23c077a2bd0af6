import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OPERATIONS } from '../../../orchestrator/coordinator/engine-limits.js';
import type { HeldTask } from '../../../orchestrator/far-side/task-shelf.js';
import { BUILTIN_TASKS_VERSION } from '../../../orchestrator/tasks/registry.js';
import { defineTask } from '../../../orchestrator/tasks/task.js';
import { runCoordinator, setupDurable, teardownDurable } from '../../helpers/durable-runner.js';

beforeAll(setupDurable);
afterAll(teardownDurable);

/** Sum of k² for 0 ≤ k < n over ranges of `size`, counting every map call and every merge per batch. */
function squares(opts: { failMap?: (lo: number, call: number) => boolean; failMerge?: boolean } = {}) {
  const mapCalls = new Map<number, number>();
  const merges = new Map<number, number>();
  const task = defineTask({
    name: 'squares',
    *split({ n }: { n: number }, { batchSize }) {
      for (let lo = 0; lo < n; lo += batchSize ?? 100) yield { lo, hi: Math.min(n, lo + (batchSize ?? 100)) };
    },
    map({ lo, hi }: { lo: number; hi: number }) {
      const call = (mapCalls.get(lo) ?? 0) + 1;
      mapCalls.set(lo, call);
      if (opts.failMap?.(lo, call)) throw new Error(`no squares today for ${lo}`);
      let sum = 0;
      for (let k = lo; k < hi; k++) sum += k * k;
      return { lo, sum };
    },
    init: () => ({ sum: 0 }),
    merge(acc: { sum: number }, p: { lo: number; sum: number }) {
      if (opts.failMerge && p.lo === 300) throw new Error('cannot merge 300');
      merges.set(p.lo, (merges.get(p.lo) ?? 0) + 1);
      acc.sum += p.sum;
      return acc;
    },
  });
  const held: HeldTask[] = [{ name: 'squares', version: 'v1', load: () => task }];
  return { held, mapCalls, merges };
}

const exact = (n: number) => ((n - 1) * n * (2 * n - 1)) / 6;
const event = (over: Record<string, unknown> = {}) => ({
  task: 'squares',
  version: 'v1',
  input: { n: 1000 },
  batchSize: 100,
  concurrency: 4,
  retries: 2,
  ...over,
});

describe('the coordinator under the durable test runner, with the real worker handler', () => {
  it('counts primes exactly (a built-in)', async () => {
    const run = await runCoordinator(
      {
        task: 'primes',
        version: BUILTIN_TASKS_VERSION,
        input: { limit: 1_000_000 },
        batchSize: 50_000,
        concurrency: 8,
        retries: 2,
      },
      { coordinator: [], worker: [] },
    );
    expect(run.getStatus()).toBe('SUCCEEDED');
    const out = run.getResult() as { result: unknown; stats: { batches: number; retries: number } };
    expect(out.result).toEqual({ count: 78_498 });
    expect(out.stats.batches).toBe(20);
    expect(out.stats.retries).toBe(0);
  });

  it('sums a user task exactly, each batch mapped and merged once', async () => {
    const t = squares();
    const run = await runCoordinator(event(), { coordinator: t.held, worker: t.held });
    expect(run.getStatus()).toBe('SUCCEEDED');
    expect((run.getResult() as { result: unknown }).result).toEqual({ sum: exact(1000) });
    expect([...t.mapCalls.values()]).toEqual(Array(10).fill(1));
    expect([...t.merges.values()]).toEqual(Array(10).fill(1));
  });

  it('retries a worker that fails once, and merges that batch once', async () => {
    const t = squares({ failMap: (lo, call) => lo === 300 && call === 1 });
    const run = await runCoordinator(event(), { coordinator: t.held, worker: t.held });
    expect(run.getStatus()).toBe('SUCCEEDED');
    const out = run.getResult() as { result: unknown; stats: { retries: number } };
    expect(out.result).toEqual({ sum: exact(1000) });
    expect(out.stats.retries).toBe(1);
    expect(t.mapCalls.get(300)).toBe(2);
    expect(t.merges.get(300)).toBe(1);
    expect([...t.merges.values()].reduce((a, b) => a + b)).toBe(10);
  });

  it('fails with ETASK naming the batch when the worker always fails', async () => {
    const t = squares({ failMap: (lo) => lo === 300 });
    const run = await runCoordinator(event(), { coordinator: t.held, worker: t.held });
    expect(run.getStatus()).toBe('FAILED');
    const err = run.getError();
    expect(err.errorType).toBe('FanoutError.ETASK.final');
    expect(err.errorMessage).toBe('batch 3 failed after 3 attempts: no squares today for 300');
    expect(t.mapCalls.get(300)).toBe(3);
  });

  it('replays mid-map: same answer, no batch mapped or merged twice', async () => {
    const t = squares();
    const run = await runCoordinator(event({ input: { n: 2000 }, concurrency: 2 }), {
      coordinator: t.held,
      worker: t.held,
    });
    expect(run.getStatus()).toBe('SUCCEEDED');
    // the handler ran again and again while invokes were in flight: each run replayed the history so far
    expect(run.getInvocations().length).toBeGreaterThan(2);
    expect((run.getResult() as { result: unknown }).result).toEqual({ sum: exact(2000) });
    expect([...t.merges.values()]).toEqual(Array(20).fill(1));
    expect([...t.mapCalls.values()]).toEqual(Array(20).fill(1));
  });

  it("fails with ETASK when the task's merge throws", async () => {
    const t = squares({ failMerge: true });
    const run = await runCoordinator(event({ concurrency: 1 }), { coordinator: t.held, worker: t.held });
    expect(run.getStatus()).toBe('FAILED');
    expect(run.getError().errorType).toBe('FanoutError.ETASK.final');
    expect(run.getError().errorMessage).toBe('merge of task `squares` threw: cannot merge 300');
  });

  it('refuses a run of another version with EVERSION (coordinator and worker alike)', async () => {
    const t = squares();
    const stale = await runCoordinator(event({ version: 'v2' }), { coordinator: t.held, worker: t.held });
    expect(stale.getStatus()).toBe('FAILED');
    expect(stale.getError().errorType).toBe('FanoutError.EVERSION.final');
    expect(stale.getError().errorMessage).toContain('has task squares at v1, this run has v2');

    const old = squares();
    const oldWorker = old.held.map((h) => ({ ...h, version: 'v0' }));
    const mixed = await runCoordinator(event(), { coordinator: old.held, worker: oldWorker });
    expect(mixed.getStatus()).toBe('FAILED');
    expect(mixed.getError().errorType).toBe('FanoutError.EVERSION.final');
    expect(old.mapCalls.size).toBe(0);
  });

  it('fits a job of 10,000 small batches in the operation limit', { timeout: 300_000 }, async () => {
    const t = squares();
    const run = await runCoordinator(event({ input: { n: 10_000 }, batchSize: 1, concurrency: 250 }), {
      coordinator: t.held,
      worker: t.held,
    });
    expect(run.getStatus()).toBe('SUCCEEDED');
    expect((run.getResult() as { result: unknown }).result).toEqual({ sum: exact(10_000) });
    expect(t.merges.size).toBe(10_000);
    expect([...t.merges.values()].every((c) => c === 1)).toBe(true);
    expect(run.getOperations().length).toBeLessThan(MAX_OPERATIONS);
  });
});
