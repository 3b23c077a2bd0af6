import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../orchestrator/backends/backend.js';
import { generateDocs } from '../../orchestrator/docs-server/demo-docs.js';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { RunStats } from '../../orchestrator/stats.js';
import { hash } from '../../orchestrator/tasks/hash.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { type BackendFixture, fixtures } from '../helpers/backend-fixtures.js';
import { referenceWordcount, texts } from '../helpers/fetch-test-server.js';

/**
 * The backend contract: every backend gives the same answers, the same typed errors, stops on abort, and survives a
 * worker killed mid-batch. Needs `npm run build` first (threads and children load the compiled far-side entry).
 */

const builtin = (name: string): TaskRef => ({ kind: 'builtin', name });

/** Starts the fixture's backend for `task`, runs `fn`, and always stops it. */
async function withBackend<T>(fixture: BackendFixture, task: TaskRef, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await fixture.make();
  await backend.start({ task });
  try {
    return await fn(backend);
  } finally {
    await backend.stop();
  }
}

/** Asserts that each batch id was merged exactly once and that there were `batches` of them. */
function expectEachBatchMergedOnce(stats: RunStats, batches: number): void {
  const ok = stats.records.filter((r) => r.status === 'ok' && r.stage === 'cpu').map((r) => r.batchId);
  expect(new Set(ok).size).toBe(ok.length);
  expect(ok.length).toBe(batches);
  expect(stats.batches).toBe(batches);
  expect(stats.duplicates).toBe(0);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the run to reject, but it resolved');
}

/** One document server for the wordcount case of every backend: 30 texts, a third misbehave once (503/429/reset/slow). */
let docs: { dir: string; server: DocsServer; expected: ReturnType<typeof referenceWordcount> };
beforeAll(async () => {
  const dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-contract-docs-')), 30, 400);
  const server = await startDocsServer({ dir, faults: { rate: 0.33, retryAfterS: 0, slowMs: 50 } });
  docs = { dir, server, expected: referenceWordcount(texts(dir, server.files.keys()), 7) };
});
afterAll(async () => {
  await docs?.server.close();
  if (docs) rmSync(docs.dir, { recursive: true, force: true });
});

describe.each(fixtures)('backend contract: $name', (fixture) => {
  it('counts words of fetched documents exactly like a direct count of the files, faults and all', async () => {
    const { result, stats } = await withBackend(fixture, builtin('wordcount'), (backend) =>
      fanout('wordcount', { urls: docs.server.indexUrl, top: 7 }, { backend, batchSize: 4 }),
    );
    expect(result).toEqual(docs.expected);
    expect(stats.failed).toBeUndefined();
    // documents are grouped into batches as they arrive, so the batch count depends on timing: check each merged once
    expect(stats.batches).toBeGreaterThanOrEqual(8);
    expectEachBatchMergedOnce(stats, stats.batches);
    expect(stats.stages?.fetch?.items).toBeGreaterThanOrEqual(30);
  });

  it('counts primes exactly at the edges and over many small batches', async () => {
    // Prepare: π(N) for p < N, with batch sizes that make boundaries land on and next to primes.
    const cases: [limit: number, batchSize: number, expected: number][] = [
      [0, 1, 0],
      [1, 1, 0],
      [2, 1, 0],
      [3, 1, 1],
      [10, 3, 4],
      [100, 7, 25],
      [1_000_000, 50_000, 78_498],
      [10_000_000, 500_000, 664_579],
    ];
    await withBackend(fixture, builtin('primes'), async (backend) => {
      for (const [limit, batchSize, expected] of cases) {
        // Act
        const { result, stats } = await fanout<{ count: number }>('primes', { limit }, { backend, batchSize });
        // Assess
        expect(result, `π below ${limit}`).toEqual({ count: expected });
        expectEachBatchMergedOnce(stats, Math.max(1, Math.ceil(limit / batchSize)));
      }
    });
  });

  it('runs every sleep batch once', async () => {
    const { result, stats } = await withBackend(fixture, builtin('sleep'), (backend) =>
      fanout('sleep', { batches: 12, ms: 20 }, { backend }),
    );
    expect(result).toEqual({ batches: 12, sleptMs: 240 });
    expectEachBatchMergedOnce(stats, 12);
  });

  it('gives the same hash digest as mapping every batch on the main thread', async () => {
    // Prepare: the reference computed directly from the task's own functions.
    const input = { batches: 6, rounds: 2_000, bytes: 1024 };
    let expected = hash.init();
    for (const batch of hash.split(input, { batchSize: undefined, workers: 1 }) as Iterable<never>) {
      expected = await hash.merge(expected, hash.map(batch, { signal: new AbortController().signal }) as never);
    }
    // Act
    const { result } = await withBackend(fixture, builtin('hash'), (backend) => fanout('hash', input, { backend }));
    // Assess
    expect(result).toEqual(expected);
  });

  it('merges every fault batch exactly once when none fails', async () => {
    const { result, stats } = await withBackend(fixture, builtin('fault'), (backend) =>
      fanout('fault', { batches: 10, ms: 5, failOn: 99 }, { backend }),
    );
    expect(result).toEqual({ batches: 10, indexSum: 45 });
    expectEachBatchMergedOnce(stats, 10);
  });

  it('fails a throwing task with ETASK and the original message, after its retries', async () => {
    // Act
    const err = await withBackend(fixture, builtin('fault'), (backend) =>
      rejectionOf(fanout('fault', { batches: 6, ms: 5, failOn: 3 }, { backend, retries: 2 })),
    );
    // Assess
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).code).toBe('ETASK');
    expect((err as FanoutError).message).toContain('injected failure in batch 3');
    expect((err as FanoutError).message).toContain('after 3 attempts');
  });

  it('stops promptly on abort and leaves nothing running', async () => {
    // Prepare: far more sleep than the test allows, so only the abort can end it in time.
    const backend = await fixture.make();
    await backend.start({ task: builtin('sleep') });
    const controller = new AbortController();
    try {
      const run = fanout('sleep', { batches: 40, ms: 400 }, { backend, signal: controller.signal });
      setTimeout(() => controller.abort(), 250);
      // Act
      const t0 = Date.now();
      const err = await rejectionOf(run);
      // Assess
      expect(err).toBeInstanceOf(FanoutError);
      expect((err as FanoutError).code).toBe('ECANCEL');
      expect(Date.now() - t0).toBeLessThan(3_000);
      if (fixture.liveWorkers) {
        // the workers that ran the aborted batches were killed; only their fresh replacements remain
        await expect
          .poll(() => fixture.liveWorkers?.(backend), { timeout: 5_000 })
          .toBe(backend.parallelism?.() ?? backend.capacity());
      }
    } finally {
      await backend.stop();
    }
    if (fixture.liveWorkers) expect(fixture.liveWorkers(backend)).toBe(0);
  });

  it.skipIf(!fixture.killDuringBatch)('survives a worker killed mid-batch with the exact answer', async () => {
    // Prepare: batches long enough that the kill lands while one is running.
    const backend = await fixture.make();
    await backend.start({ task: builtin('fault') });
    try {
      // Act
      const run = fanout('fault', { batches: 10, ms: 150, failOn: 99 }, { backend });
      await fixture.killDuringBatch?.(backend);
      const { result, stats } = await run;
      // Assess
      expect(result).toEqual({ batches: 10, indexSum: 45 });
      expect(stats.retries).toBeGreaterThanOrEqual(1);
      expect(stats.records.some((r) => r.errorCode === 'ECRASH')).toBe(true);
      expectEachBatchMergedOnce(stats, 10);
    } finally {
      await backend.stop();
    }
  });
});
