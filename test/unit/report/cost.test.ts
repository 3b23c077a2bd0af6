import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOfRun, formatUsd, lambdaCost, localCost } from '../../../orchestrator/report/cost.js';
import { pricingFromServerlessYml, resolveLambdaPricing } from '../../../orchestrator/report/lambda-pricing.js';
import type { BatchRecord, RunStats } from '../../../orchestrator/stats.js';
import { collectStats, StatsCollector } from '../../../orchestrator/stats-collector.js';

describe('lambdaCost', () => {
  it('rounds every invocation up to the millisecond and prices arm64 GB-seconds and requests', () => {
    // Prepare: 100.2 → 101 ms, 0.3 → 1 ms, 999.99 → 1000 ms; 1102 ms at 1 GB = 1.102 GB-s
    const durations = [100.2, 0.3, 999.99];

    // Act
    const c = lambdaCost(durations, { memoryMb: 1024, architecture: 'arm64' });

    // Assess: 1.102 × 0.0000133334 + 3 × 0.0000002
    expect(c.requests).toBe(3);
    expect(c.billedMs).toBe(1102);
    expect(c.gbSeconds).toBeCloseTo(1.102, 12);
    expect(c.computeUsd).toBeCloseTo(0.0000146934068, 15);
    expect(c.requestUsd).toBeCloseTo(0.0000006, 15);
    expect(c.totalUsd).toBeCloseTo(0.0000152934068, 15);
  });

  it('prices a million 50 ms x86 invocations at 128 MB', () => {
    // Prepare: 5e7 ms = 50,000 s × 0.125 GB = 6,250 GB-s
    const durations = new Array<number>(1_000_000).fill(50);

    // Act
    const c = lambdaCost(durations, { memoryMb: 128, architecture: 'x86_64' });

    // Assess: 6250 × 0.0000166667 = 0.104166875; 1M requests = $0.20
    expect(c.gbSeconds).toBeCloseTo(6250, 9);
    expect(c.computeUsd).toBeCloseTo(0.104166875, 12);
    expect(c.requestUsd).toBeCloseTo(0.2, 12);
    expect(c.totalUsd).toBeCloseTo(0.304166875, 12);
  });

  it('bills a zero-length invocation as 1 ms and scales with memory', () => {
    // Act
    const zero = lambdaCost([0], { memoryMb: 2048, architecture: 'arm64' });
    const none = lambdaCost([], { memoryMb: 2048, architecture: 'arm64' });

    // Assess: 0.001 s × 2 GB = 0.002 GB-s
    expect(zero.billedMs).toBe(1);
    expect(zero.gbSeconds).toBeCloseTo(0.002, 12);
    expect(none.totalUsd).toBe(0);
  });
});

describe('localCost', () => {
  it('reports CPU-seconds, and wall hours × price when a price is given', () => {
    // Act
    const unpriced = localCost(1500, 10_000);
    const priced = localCost(1500, 10_000, 0.36);

    // Assess: 10 s of a $0.36/h machine = $0.001
    expect(unpriced).toEqual({ cpuSeconds: 1.5 });
    expect(priced.cpuSeconds).toBe(1.5);
    expect(priced.usd).toBeCloseTo(0.001, 12);
  });
});

describe('costOfRun', () => {
  it('prices every attempt of a huge run, not only the records kept for the timeline', () => {
    // Prepare: a collector keeping 2 records per stage; 5 Lambda invocations of 10.5 ms and 3 local attempts of 4 ms CPU
    const c = new StatsCollector('hybrid', 'cpu', 2);
    const t0 = c.startedAt;
    for (let i = 0; i < 8; i++) {
      const lambda = i < 5;
      c.attempt({
        job: { id: String(i), batch: null, attempt: 1 },
        startedAt: t0,
        endedAt: t0 + 20,
        outcome: lambda
          ? { partial: 1, workerId: `lambda-${i}`, side: 'lambda', cpuMs: 9, durationMs: 10.5 }
          : { partial: 1, workerId: 'process-0', side: 'process', cpuMs: 4 },
      });
    }
    const stats = collectStats(c, { batches: 8, retries: 0, speculated: 0 }, 0);
    // Act
    const cost = costOfRun(stats, { pricing: { memoryMb: 2048, architecture: 'x86_64', source: 'options' } });
    // Assess: 6 of 8 records dropped, yet 5 requests × 11 ms × 2 GB and 12 ms of local CPU
    expect(stats.recordsDropped).toBe(6);
    expect(cost.lambda).toMatchObject({ requests: 5, billedMs: 55 });
    expect(cost.lambda?.totalUsd).toBeCloseTo(5 * 0.0000002 + 0.055 * 2 * 0.0000166667, 15);
    expect(cost.local.cpuSeconds).toBeCloseTo(0.012, 12);
  });

  const record = (r: Partial<BatchRecord>): BatchRecord => ({
    batchId: '0',
    attempt: 1,
    backend: 'hybrid',
    side: 'process',
    workerId: 'w',
    startMs: 0,
    endMs: 10,
    stage: 'cpu',
    status: 'ok',
    ...r,
  });
  const stats = (records: BatchRecord[]): RunStats => ({
    wallMs: 3_600_000,
    batches: records.length,
    retries: 0,
    duplicates: 0,
    cpuMs: 0,
    byBackend: {},
    byWorker: {},
    records,
  });

  it('splits a hybrid run into Lambda invocations and local CPU, and says the durations are emulated', () => {
    // Prepare: two lambda attempts (one with a far-side duration, one without), local process + fetch CPU
    const s = stats([
      record({ side: 'lambda', durationMs: 10.4, startMs: 0, endMs: 50 }),
      record({ side: 'lambda', batchId: '1', startMs: 0, endMs: 20, status: 'error' }),
      record({ side: 'process', batchId: '2', cpuMs: 500 }),
      record({ side: 'fetch', stage: 'fetch', batchId: 'u1', cpuMs: 5 }),
    ]);

    // Act
    const c = costOfRun(s, {
      pricing: { memoryMb: 1024, architecture: 'arm64', source: 'options' },
      localPricePerHour: 2,
      emulated: true,
    });

    // Assess: billed 11 + 20 = 31 ms at 1 GB; local 0.505 CPU-s; one hour at $2
    expect(c.lambda?.requests).toBe(2);
    expect(c.lambda?.billedMs).toBe(31);
    expect(c.local.cpuSeconds).toBeCloseTo(0.505, 12);
    expect(c.local.usd).toBeCloseTo(2, 12);
    expect(c.totalUsd).toBeCloseTo(2 + 0.031 * 0.0000133334 + 2 * 0.0000002, 12);
    expect(c.notes.join(' ')).toMatch(/emulator/);
  });

  it('has no Lambda part for a local run', () => {
    // Act
    const c = costOfRun(stats([record({ cpuMs: 100 })]), {
      pricing: { memoryMb: 1024, architecture: 'arm64', source: 'default' },
    });

    // Assess
    expect(c.lambda).toBeUndefined();
    expect(c.totalUsd).toBe(0);
    expect(c.local.cpuSeconds).toBeCloseTo(0.1, 12);
  });
});

describe('Lambda pricing source', () => {
  it('reads memory and architecture from serverless.yml params defaults, function level first', () => {
    // Prepare
    // serverless.yml variables are written with a `$` helper so they do not read as JS template placeholders
    const v = (name: string): string => `$\{param:${name}}`;
    const yml = [
      'params:',
      '  default:',
      '    memory: 1769 # one full vCPU',
      '    architecture: x86_64',
      'provider:',
      '  name: aws',
      `  memorySize: ${v('memory')}`,
      `  architecture: ${v('architecture')}`,
      'functions:',
      '  worker:',
      '    handler: functions/worker.handler',
    ].join('\n');
    const fnLevel = `${yml}\n    memorySize: '512'\n`;

    // Act + Assess
    expect(pricingFromServerlessYml(yml)).toEqual({ memoryMb: 1769, architecture: 'x86_64' });
    expect(pricingFromServerlessYml(fnLevel).memoryMb).toBe(512);
    expect(pricingFromServerlessYml(`provider:\n  memorySize: ${v('mem, 256')}\n`)).toEqual({ memoryMb: 256 });
  });

  it('prefers options, then the file, then 1024 MB arm64', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fanout-cost-'));
    const file = join(dir, 'serverless.yml');
    writeFileSync(file, 'provider:\n  memorySize: 2048\n  architecture: x86_64\n');

    // Act + Assess
    expect(resolveLambdaPricing({ memoryMb: 512 }, file)).toEqual({
      memoryMb: 512,
      architecture: 'x86_64',
      source: 'options, serverless.yml',
    });
    expect(resolveLambdaPricing({}, file)).toEqual({
      memoryMb: 2048,
      architecture: 'x86_64',
      source: 'serverless.yml',
    });
    expect(resolveLambdaPricing({}, join(dir, 'missing.yml'))).toEqual({
      memoryMb: 1024,
      architecture: 'arm64',
      source: 'default',
    });
  });

  it('rejects a memory size Lambda does not offer, naming the option', () => {
    // Act + Assess
    expect(() => resolveLambdaPricing({ memoryMb: 64 }, '/nonexistent.yml')).toThrow(
      /Expected `memory` to be an integer from 128 to 10240 \(MB\), got `64`/,
    );
  });
});

describe('formatUsd', () => {
  it('shows sub-cent amounts in full with two significant digits', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(1.234)).toBe('$1.23');
    expect(formatUsd(0.0000042)).toBe('$0.0000042');
    expect(formatUsd(0.00153)).toBe('$0.0015');
  });
});
