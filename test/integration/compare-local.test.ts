import { describe, expect, it } from 'vitest';
import type {
  AttemptHandle,
  Backend,
  BackendStartContext,
  BatchJob,
  BatchOutcome,
} from '../../orchestrator/backends/backend.js';
import { InlineBackend } from '../../orchestrator/backends/inline/inline-backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { runComparison } from '../../orchestrator/report/comparison.js';
import { comparisonJson, formatComparison } from '../../orchestrator/report/comparison-table.js';

/** A test-only backend that runs inline but returns one more prime in every batch than there is. */
class OffByOneBackend implements Backend {
  readonly name = 'off-by-one';
  readonly #inner = new InlineBackend();
  start(ctx: BackendStartContext): Promise<void> {
    return this.#inner.start(ctx);
  }
  capacity(): number {
    return 1;
  }
  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    const out = await this.#inner.runAttempt(job, attempt);
    return { ...out, partial: { count: (out.partial as { count: number }).count + 1 } };
  }
  stop(): Promise<void> {
    return this.#inner.stop();
  }
}

describe('runComparison over the local backends', () => {
  it('runs each backend R times, checks results and fills every column', async () => {
    // Act: π(10^6) = 78498
    const c = await runComparison({
      task: 'primes',
      input: { limit: 1_000_000 },
      backends: ['inline', 'thread', 'process'],
      runs: 2,
      options: { workers: 2, batchSize: 100_000 },
      localPricePerHour: 0.1,
    });

    // Assess: rows in order, same result, baseline inline, two runs each, batches per side, local cost
    expect(c.rows.map((r) => r.backend)).toEqual(['inline', 'thread', 'process']);
    expect(c.baseline).toBe('inline');
    for (const r of c.rows) {
      expect(r.result).toEqual({ count: 78498 });
      expect(r.runsWallMs).toHaveLength(2);
      expect(r.wallMs).toBe(Math.min(...r.runsWallMs)); // lower middle of two
      expect(r.batchesBySide).toEqual({ [r.backend]: 10 });
      expect(r.retries).toBe(0);
      expect(r.cost.lambda).toBeUndefined();
      expect(r.cost.local.usd).toBeGreaterThan(0);
    }
    expect(c.rows[0]?.speedup).toBe(1);
    expect(c.advice[0]).toMatch(/^cpu stage: /);

    const text = formatComparison(c);
    expect(text).toMatch(/^backend +wall +speedup +CPU +CPU\/wall +batches per side +retries +est\. cost$/m);
    for (const b of ['inline', 'thread', 'process']) expect(text).toMatch(new RegExp(`^${b} .* ${b} 10 +0 +\\$`, 'm'));

    const doc = comparisonJson(c) as { rows: Record<string, unknown>[] };
    expect(doc).toMatchObject({ task: 'primes', input: { limit: 1_000_000 }, baseline: 'inline', runs: 2 });
    expect(doc.rows).toHaveLength(3);
    for (const row of doc.rows) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining([
          'backend',
          'result',
          'wallMs',
          'speedup',
          'cpuMs',
          'cpuPerWall',
          'batchesBySide',
          'retries',
          'cost',
        ]),
      );
      expect(row.result).toEqual({ count: 78498 });
      expect((row.stats as { records?: unknown }).records).toBeUndefined();
    }
  });

  it('fails loudly with EMISMATCH when a backend returns a different result', async () => {
    // Act
    const run = runComparison({
      task: 'primes',
      input: { limit: 100_000 },
      backends: ['inline', new OffByOneBackend()],
      options: { batchSize: 50_000 },
    });

    // Assess: π(10^5) = 9592; the liar adds 1 per batch (2 batches)
    await expect(run).rejects.toSatisfy(
      (err: unknown) =>
        err instanceof FanoutError &&
        err.code === 'EMISMATCH' &&
        err.message ===
          'RESULTS DIFFER: backend `off-by-one` (warm-up run 1) returned {"count":9594}, but `inline` returned {"count":9592}',
    );
  });
});
