import { describe, expect, it } from 'vitest';
import {
  advise,
  CPU_BOUND_RATIO,
  classifyStage,
  IO_BOUND_RATIO,
  lambdaBreakEven,
  stageAdvice,
} from '../../../orchestrator/report/advice.js';

describe('classifyStage thresholds', () => {
  it.each([
    [600, 1000, 'cpu-bound'],
    [599, 1000, 'mixed'],
    [251, 1000, 'mixed'],
    [250, 1000, 'io-bound'],
    [0, 1000, 'io-bound'],
    [1200, 1000, 'cpu-bound'],
  ])('cpu %d ms over busy %d ms is %s', (cpu, busy, kind) => {
    expect(classifyStage(cpu, busy)?.kind).toBe(kind);
  });

  it('keeps the documented boundaries', () => {
    expect([CPU_BOUND_RATIO, IO_BOUND_RATIO]).toEqual([0.6, 0.25]);
  });

  it('is unknown when nothing was busy', () => {
    expect(classifyStage(10, 0)).toBeUndefined();
  });
});

describe('stageAdvice', () => {
  it('says a fetch stage is I/O-bound and points at threads', () => {
    // Act
    const s = stageAdvice({ stage: 'fetch', cpuMs: 40, busyMs: 1000, items: 500 });

    // Assess
    expect(s).toMatch(/^fetch stage: I\/O-bound \(CPU 4% of busy time over 500 item\(s\)\) → .*--fetch-concurrency/);
  });

  it('points a CPU-bound fetch stage at more fetch threads', () => {
    expect(stageAdvice({ stage: 'fetch', cpuMs: 800, busyMs: 1000, items: 20 })).toMatch(
      /^fetch stage: CPU-bound \(CPU 80% .*--fetch-threads/,
    );
  });

  it('says n/a for a stage nobody measured, never "CPU 0%"', () => {
    // Act
    const s = stageAdvice({ stage: 'fetch', cpuMs: 0, busyMs: 0, items: 12, unmeasured: 12 });

    // Assess
    expect(s).toBe('fetch stage: CPU n/a (not measured for any of its 12 item(s)), so its kind is unknown.');
  });

  it('classifies from the measured items only and says how many were left out', () => {
    expect(stageAdvice({ stage: 'cpu', cpuMs: 90, busyMs: 100, items: 10, unmeasured: 4 })).toMatch(
      /^cpu stage: CPU-bound \(CPU 90% of busy time over the 6 of 10 item\(s\) whose CPU was measured\)/,
    );
  });

  it('says a count stage is CPU-bound and points at processes or Lambda', () => {
    expect(stageAdvice({ stage: 'cpu', cpuMs: 970, busyMs: 1000, items: 16 })).toMatch(
      /^cpu stage: CPU-bound \(CPU 97% .*→ processes or Lambda/,
    );
  });
});

describe('lambdaBreakEven', () => {
  it('finds the batch count where a higher-throughput Lambda side pays off its cold start', () => {
    // Prepare: local 2 slots × 100 ms = 50 ms/batch; Lambda 10 slots × 200 ms = 20 ms/batch, 900 ms cold start
    // wall_local(n) = 50n, wall_lambda(n) = 900 + 20n → equal at n = 30
    const n = lambdaBreakEven({ slots: 2, meanBatchMs: 100 }, { slots: 10, meanBatchMs: 200, startupMs: 900 });

    // Assess
    expect(n).toBe(30);
  });

  it('is 0 without a start-up gap and undefined when Lambda is not faster per batch', () => {
    expect(lambdaBreakEven({ slots: 2, meanBatchMs: 100 }, { slots: 10, meanBatchMs: 200 })).toBe(0);
    expect(
      lambdaBreakEven({ slots: 2, meanBatchMs: 100 }, { slots: 4, meanBatchMs: 400, startupMs: 10 }),
    ).toBeUndefined();
  });
});

describe('advise', () => {
  it('gives one sentence per stage and the break-even, flagged as emulated', () => {
    // Act
    const lines = advise({
      stages: [
        { stage: 'fetch', cpuMs: 50, busyMs: 1000, items: 10 },
        { stage: 'cpu', cpuMs: 990, busyMs: 1000, items: 10 },
      ],
      local: { slots: 2, meanBatchMs: 100 },
      lambda: { slots: 10, meanBatchMs: 200, startupMs: 900 },
      emulated: true,
    });

    // Assess
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^fetch stage: I\/O-bound/);
    expect(lines[1]).toMatch(/^cpu stage: CPU-bound/);
    expect(lines[2]).toBe(
      'Lambda beats local once the run exceeds ~30 batches (measured on the emulator, which shares the local cores).',
    );
  });

  it('says when Lambda never beats local', () => {
    const lines = advise({ stages: [], local: { slots: 2, meanBatchMs: 10 }, lambda: { slots: 2, meanBatchMs: 50 } });
    expect(lines).toEqual(['Lambda does not beat local at any run size here: its throughput per batch is lower.']);
  });
});
