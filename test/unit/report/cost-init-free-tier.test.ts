import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../../orchestrator/report/comparison.js';
import { formatComparison, rowCells } from '../../../orchestrator/report/comparison-table.js';
import { costOfRun, freeTierLine, lambdaCost, lambdaCostOfTotals } from '../../../orchestrator/report/cost.js';
import type { BatchRecord, RunStats } from '../../../orchestrator/stats.js';
import { collectStats, StatsCollector } from '../../../orchestrator/stats-collector.js';

const X86_512 = { memoryMb: 512, architecture: 'x86_64' } as const;
const ARM_1024 = { memoryMb: 1024, architecture: 'arm64' } as const;

describe('INIT of cold starts in the Lambda bill', () => {
  it('adds INIT to its invocation before rounding up, and shows what INIT cost', () => {
    // Prepare
    // Hand computation, 512 MB x86_64 ($0.0000166667 per GB-s, $0.0000002 per request):
    //   cold  120.4 + 250.3 = 370.7 → 371 ms billed (121 ms without INIT: INIT adds 250 ms)
    //   warm   80.2               →  81 ms
    //   cold    0.2 +   0.5 =   0.7 →   1 ms billed (1 ms without INIT either: INIT adds 0 ms)
    //   billed 371 + 81 + 1 = 453 ms = 0.453 s × 0.5 GB = 0.2265 GB-s → × 0.0000166667 = $0.00000377500755
    //   requests 3 × 0.0000002 = $0.0000006 → total $0.00000437500755
    //   INIT: 2 cold starts, measured 250.3 + 0.5 = 250.8 ms, billed 250 ms = 0.125 GB-s = $0.0000020833375
    const invocations = [{ durationMs: 120.4, initMs: 250.3 }, 80.2, { durationMs: 0.2, initMs: 0.5 }];

    // Act
    const c = lambdaCost(invocations, X86_512);

    // Assess
    expect(c.requests).toBe(3);
    expect(c.billedMs).toBe(453);
    expect(c.gbSeconds).toBeCloseTo(0.2265, 12);
    expect(c.computeUsd).toBeCloseTo(0.00000377500755, 15);
    expect(c.totalUsd).toBeCloseTo(0.00000437500755, 15);
    expect(c.init.coldStarts).toBe(2);
    expect(c.init.measuredMs).toBeCloseTo(250.8, 9);
    expect(c.init.billedMs).toBe(250);
    expect(c.init.gbSeconds).toBeCloseTo(0.125, 12);
    expect(c.init.usd).toBeCloseTo(0.0000020833375, 15);
  });

  it('prices INIT from the exact billing totals of a run whose records were capped, marked as emulated', () => {
    // Prepare: a collector keeping 1 record per stage; 4 Lambda invocations of 99.5 ms, the first two cold with an
    // INIT of 300.2 ms each.
    // Hand computation, 1024 MB arm64 ($0.0000133334 per GB-s):
    //   cold 99.5 + 300.2 = 399.7 → 400 ms (100 ms without INIT: INIT adds 300 ms), twice = 800 ms
    //   warm 99.5 → 100 ms, twice = 200 ms
    //   billed 1,000 ms = 1 GB-s → $0.0000133334; requests 4 × 0.0000002 = $0.0000008 → total $0.0000141334
    //   INIT billed 600 ms = 0.6 GB-s → $0.00000800004
    const c = new StatsCollector('lambda', 'cpu', 1);
    const t0 = c.startedAt;
    for (let i = 0; i < 4; i++) {
      const cold = i < 2;
      c.attempt({
        job: { id: String(i), batch: null, attempt: 1 },
        startedAt: t0,
        endedAt: t0 + 500,
        outcome: {
          partial: 1,
          workerId: `lambda-${i}`,
          side: 'lambda',
          durationMs: 99.5,
          coldStart: cold,
          ...(cold ? { initMs: 300.2 } : {}),
        },
      });
    }
    const stats = collectStats(c, { batches: 4, retries: 0, speculated: 0 }, 0);

    // Act
    const cost = costOfRun(stats, { pricing: { ...ARM_1024, source: 'options' }, emulated: true });

    // Assess
    expect(stats.recordsDropped).toBe(3);
    expect(cost.lambda).toMatchObject({ requests: 4, billedMs: 1000 });
    expect(cost.lambda?.gbSeconds).toBeCloseTo(1, 12);
    expect(cost.lambda?.totalUsd).toBeCloseTo(0.0000141334, 15);
    expect(cost.lambda?.init).toMatchObject({ coldStarts: 2, billedMs: 600, measuredOn: 'emulator' });
    expect(cost.lambda?.init.measuredMs).toBeCloseTo(600.4, 9);
    expect(cost.lambda?.init.usd).toBeCloseTo(0.00000800004, 15);
    expect(cost.notes.join(' ')).toMatch(/INIT: 2 cold starts, 600 ms measured on the local emulator/);
  });

  it('marks emulated INIT in the table cell and prices it from records when no totals are kept', () => {
    // Prepare: stats without billing totals (as an older JSON document would have): one cold and one warm record.
    // Hand computation, 1024 MB arm64: 10 + 40 = 50 ms and 10 ms billed = 60 ms = 0.06 GB-s → $0.000000800004,
    // requests $0.0000004 → total $0.000001200004
    const rec = (r: Partial<BatchRecord>): BatchRecord => ({
      batchId: '0',
      attempt: 1,
      backend: 'lambda',
      side: 'lambda',
      workerId: 'lambda-a',
      startMs: 0,
      endMs: 80,
      stage: 'cpu',
      status: 'ok',
      durationMs: 10,
      ...r,
    });
    const stats: RunStats = {
      wallMs: 100,
      batches: 2,
      retries: 0,
      duplicates: 0,
      cpuMs: 0,
      byBackend: { lambda: { batches: 2, cpuMs: 0 } },
      byWorker: {},
      records: [rec({ coldStart: true, initMs: 40 }), rec({ batchId: '1', coldStart: false })],
    };

    // Act
    const cost = costOfRun(stats, { pricing: { ...ARM_1024, source: 'default' }, emulated: true });
    const row = {
      backend: 'lambda',
      wallMs: 100,
      runsWallMs: [100],
      speedup: 1,
      cpuMs: 0,
      cpuPerWall: 0,
      cpuUnmeasured: 0,
      batchesBySide: { lambda: 2 },
      retries: 0,
      duplicates: 0,
      cost,
      result: null,
      stats,
    };
    const cells = rowCells(row, 'lambda');

    // Assess
    expect(cost.lambda?.billedMs).toBe(60);
    expect(cost.lambda?.init.billedMs).toBe(40);
    expect(cost.lambda?.totalUsd).toBeCloseTo(0.000001200004, 15);
    expect(cells.cost).toBe('$0.0000012 (2 req, 1 INIT (emulated))');
  });
});

describe('free tier', () => {
  it('says how many runs a month fit in 1M requests and 400,000 GB-s when one run is small', () => {
    // Prepare: hand computation: 2,000 invocations × 1,000 ms at 1,024 MB = 2,000 GB-s;
    //   requests 2,000 / 1,000,000 = 0.2 %, GB-s 2,000 / 400,000 = 0.5 % → the GB-s bind: 1 / 0.005 = 200 free runs;
    //   past the free tier: 2,000 × 0.0000133334 = $0.0266668 + 2,000 × 0.0000002 = $0.0004 → $0.0270668 a run
    const totals = { requests: 2_000, billedMs: 2_000_000, coldStarts: 0, initMs: 0, initBilledMs: 0 };

    // Act
    const c = lambdaCostOfTotals(totals, ARM_1024);

    // Assess
    expect(c.totalUsd).toBeCloseTo(0.0270668, 12);
    expect(c.freeTier.requestShare).toBeCloseTo(0.002, 12);
    expect(c.freeTier.gbSecondShare).toBeCloseTo(0.005, 12);
    expect(c.freeTier.freeRunsPerMonth).toBe(200);
    expect(c.freeTier.usdAfterFreeTier).toBe(0);
    expect(freeTierLine('lambda', c)).toBe(
      'Free tier (1,000,000 requests + 400,000 GB-s a month, per account): lambda uses 0.20 % of the requests and 0.50 % of the GB-s, so 200 such runs a month fit in it; past it each costs $0.03.',
    );
  });

  it('prices what is left of a run bigger than the free tier', () => {
    // Prepare: hand computation: 2,000,000 invocations × 300 ms at 1,024 MB arm64 = 600,000 GB-s;
    //   past the free tier: (2,000,000 − 1,000,000) × 0.0000002 = $0.20, (600,000 − 400,000) × 0.0000133334 = $2.66668
    //   → $2.86668; without the free tier: $0.40 + 600,000 × 0.0000133334 = $8.00004 → $8.40004
    const totals = { requests: 2_000_000, billedMs: 600_000_000, coldStarts: 0, initMs: 0, initBilledMs: 0 };

    // Act
    const c = lambdaCostOfTotals(totals, ARM_1024);

    // Assess
    expect(c.totalUsd).toBeCloseTo(8.40004, 9);
    expect(c.freeTier.freeRunsPerMonth).toBe(0);
    expect(c.freeTier.usdAfterFreeTier).toBeCloseTo(2.86668, 9);
    expect(freeTierLine('hybrid', c)).toMatch(/so no such run \(one alone costs \$2\.87 after it\) a month/);
  });

  it('is printed as its own line under the comparison table for each row that used Lambda', () => {
    // Prepare
    const lambda = lambdaCost([1000], ARM_1024);
    const local = costOfRun(
      { wallMs: 1, batches: 1, retries: 0, duplicates: 0, cpuMs: 1, byBackend: {}, byWorker: {}, records: [] },
      { pricing: { ...ARM_1024, source: 'default' } },
    );
    const row = (backend: string, cost: typeof local) => ({
      backend,
      wallMs: 1000,
      runsWallMs: [1000],
      speedup: 1,
      cpuMs: 0,
      cpuPerWall: 0,
      cpuUnmeasured: 0,
      batchesBySide: {},
      retries: 0,
      duplicates: 0,
      cost,
      result: 1,
      stats: {
        wallMs: 1000,
        batches: 1,
        retries: 0,
        duplicates: 0,
        cpuMs: 0,
        byBackend: {},
        byWorker: {},
        records: [],
      },
    });
    const c: Comparison = {
      task: 'primes',
      input: {},
      baseline: 'process',
      runs: 1,
      warmups: 0,
      order: [['process', 'lambda']],
      rows: [row('process', local), row('lambda', { local: { cpuSeconds: 0 }, lambda, totalUsd: 0, notes: [] })],
      advice: [],
      notes: [],
      pricing: { ...ARM_1024, source: 'default' },
    };

    // Act
    const text = formatComparison(c);

    // Assess: one free-tier line, for lambda only
    const lines = text.split('\n').filter((l) => l.startsWith('Free tier'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/lambda uses 0\.00010 % of the requests/);
  });
});
