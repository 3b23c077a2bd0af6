import { describe, expect, it } from 'vitest';
import { environmentAvailableAt, simulateFanout } from '../../../orchestrator/plan/fanout-simulation.js';
import { LAMBDA_LIMITS } from '../../../orchestrator/plan/lambda-limits.js';
import {
  lambdaBatchMs,
  logGrid,
  overtakeBatches,
  predictLambda,
  predictLocal,
  type TaskSample,
} from '../../../orchestrator/plan/scale-model.js';

const sample = (over: Partial<TaskSample> = {}): TaskSample => ({
  batchMs: 100,
  batchCpuMs: 100,
  coldStartMs: 50,
  invokeOverheadMs: 0,
  requestBytes: 100,
  responseBytes: 100,
  ...over,
});
const FULL = LAMBDA_LIMITS.fullVcpuMemoryMb;

describe('lambdaBatchMs', () => {
  it('keeps a batch as measured at a full vCPU and above', () => {
    expect(lambdaBatchMs({ batchMs: 100, batchCpuMs: 100 }, FULL)).toBe(100);
    expect(lambdaBatchMs({ batchMs: 100, batchCpuMs: 100 }, 4096)).toBe(100);
  });
  it('stretches only the CPU part below 1,769 MB', () => {
    // 40 ms waiting + 60 ms CPU at 1024/1769 of a vCPU = 40 + 60 × 1769 / 1024
    expect(lambdaBatchMs({ batchMs: 100, batchCpuMs: 60 }, 1024)).toBeCloseTo(40 + (60 * 1769) / 1024, 9);
    expect(lambdaBatchMs({ batchMs: 100, batchCpuMs: 0 }, 128)).toBe(100);
  });
});

describe('simulateFanout', () => {
  it('one cold wave then warm waves when every environment exists at once', () => {
    // 10 batches on 5 environments: 50 + 100 for the first five, then 100 more
    expect(simulateFanout(10, 5, 100, 50)).toEqual({ wallMs: 250, environments: 5, rampLimited: false });
  });
  it('environments become available 1,000 per 10 s', () => {
    expect([0, 999, 1000, 2999, 3000].map(environmentAvailableAt)).toEqual([0, 0, 10_000, 20_000, 30_000]);
  });
  it('reuses a warm environment when it frees up before the next one may start', () => {
    // 3,000 × 15 s: 1,000 start at 0 s, 1,000 more at 10 s; at 15 s the first thousand free up and take the rest
    // (ending at 30 s) before the third thousand could start at 20 s.
    expect(simulateFanout(3000, 3000, 15_000, 0)).toEqual({ wallMs: 30_000, environments: 2000, rampLimited: true });
  });
  it('cold starts sharing the cores (the emulator): all the environments starting together take longer', () => {
    // 4 batches on 2 environments, INIT 0 + 300 ms × n: both INITs end at 600; waves run 600–700 and 700–800
    const perEnv = (ms: number) => ({ fixedMs: 0, perEnvironmentMs: ms });
    expect(simulateFanout(4, 2, 100, 300, perEnv(300))).toEqual({ wallMs: 800, environments: 2, rampLimited: false });
    // 8 batches on 4 environments, 150 ms × 4 = 600 each, waves end at 700 and 800
    expect(simulateFanout(8, 4, 100, 300, perEnv(150))).toEqual({ wallMs: 800, environments: 4, rampLimited: false });
    // a fixed part: 100 + 50 × 4 = 300 ms each, waves end at 400 and 500 (the 300 ms cold start alone is unused)
    expect(simulateFanout(8, 4, 100, 999, { fixedMs: 100, perEnvironmentMs: 50 })).toEqual({
      wallMs: 500,
      environments: 4,
      rampLimited: false,
    });
    // unset: every INIT the cold start, both at once, two waves
    expect(simulateFanout(4, 2, 100, 300)).toEqual({ wallMs: 500, environments: 2, rampLimited: false });
  });
  it('never starts the ramp when short batches keep the first thousand busy', () => {
    // 2,500 × 1 s on up to 2,500 slots: the first 1,000 environments run three waves long before 10 s.
    expect(simulateFanout(2500, 2500, 1000, 0)).toEqual({ wallMs: 3000, environments: 1000, rampLimited: false });
  });
});

describe('predictLambda', () => {
  it('prices every invoke and each cold start (INIT billed)', () => {
    const p = predictLambda(sample(), { batches: 10, concurrency: 5, memoryMb: FULL, architecture: 'arm64' });
    expect(p.wallMs).toBe(250);
    expect(p.coldStarts).toBe(5);
    expect(p.cost.requests).toBe(10);
    // 10 × 100 ms + 5 × 50 ms INIT
    expect(p.cost.billedMs).toBe(1250);
    expect(p.cost.gbSeconds).toBeCloseTo(1.25 * (FULL / 1024), 9);
    expect(p.cost.totalUsd).toBeCloseTo(10 * 0.2e-6 + 1.25 * (FULL / 1024) * 0.0000133334, 12);
    expect(p.limitedBy).toBe('concurrency');
  });
  it('caps concurrency at the account quota', () => {
    const p = predictLambda(sample({ batchMs: 1000, batchCpuMs: 1000, coldStartMs: 0 }), {
      batches: 5000,
      concurrency: 5000,
      memoryMb: FULL,
      architecture: 'x86_64',
    });
    expect(p).toMatchObject({ effectiveConcurrency: 1000, limitedBy: 'account quota', wallMs: 5000, coldStarts: 1000 });
  });
  it('a raised quota lets the per-function ramp decide', () => {
    const p = predictLambda(sample({ batchMs: 15_000, batchCpuMs: 0, coldStartMs: 0 }), {
      batches: 3000,
      concurrency: 3000,
      accountConcurrency: 3000,
      memoryMb: 512,
      architecture: 'arm64',
    });
    expect(p).toMatchObject({ wallMs: 30_000, coldStarts: 2000, rampLimited: true });
  });
  it('fewer batches than slots: the batches bound it', () => {
    const p = predictLambda(sample({ invokeOverheadMs: 7 }), {
      batches: 3,
      concurrency: 10,
      memoryMb: FULL,
      architecture: 'arm64',
    });
    expect(p).toMatchObject({ effectiveConcurrency: 3, limitedBy: 'batches', wallMs: 157, coldStarts: 3 });
  });
  it('does not scale CPU by memory for the emulator', () => {
    const p = predictLambda(sample({ coldStartMs: 0 }), {
      batches: 4,
      concurrency: 2,
      memoryMb: 128,
      architecture: 'arm64',
      scaleCpuByMemory: false,
    });
    expect(p.wallMs).toBe(200);
  });
});

describe('local and the overtake point', () => {
  it('local processes: batch × N / cores', () => {
    expect(predictLocal({ batchMs: 100 }, 10, 2)).toBe(500);
  });
  it('finds the first N where Lambda is faster', () => {
    // Lambda: 200 + ⌈N/100⌉ × 120 ms; local: 50 N ms. N = 6: 320 > 300; N = 7: 320 < 350.
    const s = sample({ coldStartMs: 200, invokeOverheadMs: 20 });
    expect(overtakeBatches(s, { concurrency: 100, memoryMb: FULL, architecture: 'arm64' }, 2)).toBe(7);
  });
  it('never, when each invoke costs more than the local cores can do', () => {
    // concurrency 1: Lambda is 50 + 120 N ms against 50 N ms
    const s = sample({ invokeOverheadMs: 20 });
    expect(overtakeBatches(s, { concurrency: 1, memoryMb: FULL, architecture: 'arm64' }, 2, 1000)).toBeUndefined();
  });
  it('the grid covers 1…max without gaps at the small end', () => {
    const g = logGrid(10_000);
    expect(g.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(g.at(-1)).toBe(10_000);
    expect(g).toEqual([...g].sort((a, b) => a - b));
  });
});
