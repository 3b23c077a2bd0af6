import { describe, expect, it } from 'vitest';
import { isFanoutError } from '../../../orchestrator/errors.js';
import { parseMemoryList, pickSizes, sweepMemory } from '../../../orchestrator/plan/memory-sweep.js';
import { buildPlan } from '../../../orchestrator/plan/plan.js';
import { planSvg } from '../../../orchestrator/plan/plan-report.js';
import type { TaskSample } from '../../../orchestrator/plan/scale-model.js';
import { sweepSvg } from '../../../orchestrator/plan/sweep-report.js';

// 100 ms batches, 80 ms of them CPU; a 200 ms INIT (CPU work); no invoke overhead
const sample: TaskSample = {
  batchMs: 100,
  batchCpuMs: 80,
  coldStartMs: 200,
  invokeOverheadMs: 0,
  requestBytes: 100,
  responseBytes: 100,
};
const ARM_GB_S = 0.0000133334;
const REQUEST = 0.2 / 1_000_000;
// 10 batches at concurrency 10: one wave, every batch on a new environment
const scenario = { batches: 10, concurrency: 10, architecture: 'arm64' as const };

describe('sweepMemory: three sizes by hand', () => {
  const sweep = sweepMemory(sample, scenario, [512, 1769, 3008]);
  const at = (mb: number) => sweep.points.find((p) => p.memoryMb === mb);

  it('512 MB: CPU and INIT stretched by 1769 / 512', () => {
    // batch = 20 ms waiting + 80 × 1769 / 512 = 20 + 276.40625 = 296.40625 ms; INIT = 200 × 1769 / 512 = 691.015625
    const p = at(512);
    expect(p?.lambdaBatchMs).toBeCloseTo(296.40625, 9);
    expect(p?.initMs).toBeCloseTo(691.015625, 9);
    expect(p?.wallMs).toBeCloseTo(987.421875, 9);
    // billed: 10 × ⌈296.40625⌉ + 10 × ⌈691.015625⌉ = 2,970 + 6,920 = 9,890 ms at 0.5 GB = 4.945 GB-s
    expect(p?.prediction.cost.billedMs).toBe(9890);
    expect(p?.gbSeconds).toBeCloseTo(4.945, 9);
    expect(p?.usd).toBeCloseTo(10 * REQUEST + 4.945 * ARM_GB_S, 15);
  });

  it('1,769 MB: one full vCPU, the batch and INIT as sampled', () => {
    const p = at(1769);
    expect(p?.wallMs).toBe(300);
    // 10 × 100 + 10 × 200 = 3,000 ms at 1769 / 1024 GB
    expect(p?.gbSeconds).toBeCloseTo(3 * (1769 / 1024), 9);
    expect(p?.usd).toBeCloseTo(10 * REQUEST + 3 * (1769 / 1024) * ARM_GB_S, 15);
  });

  it('3,008 MB: no faster than 1,769 MB for a single-threaded map, and dearer', () => {
    const p = at(3008);
    expect(p?.wallMs).toBe(300);
    expect(p?.gbSeconds).toBeCloseTo(3 * (3008 / 1024), 9);
  });

  it('picks: 512 MB cheapest, 1,769 MB fastest (ties with 3,008 MB, cheaper) and balanced', () => {
    // balanced scores, ½ cost / max cost + ½ wall / max wall (max cost at 3,008 MB, max wall at 512 MB):
    // 512: ½ × (4.945 / 8.8125) + ½ × 1 ≈ 0.781; 1769: ½ × (5.1826 / 8.8125) + ½ × (300 / 987.42) ≈ 0.446;
    // 3008: ½ × 1 + ½ × 0.304 ≈ 0.652 (request costs shift these by < 0.1 %)
    expect(sweep).toMatchObject({ cheapest: 512, fastest: 1769, balanced: 1769 });
  });
});

describe('pickSizes', () => {
  it('breaks a near tie in cost by wall time, and one in wall time by cost', () => {
    const points = [
      { memoryMb: 512, wallMs: 900, usd: 1.005 },
      { memoryMb: 1024, wallMs: 500, usd: 1.0 },
      { memoryMb: 2048, wallMs: 300, usd: 3.0 },
      { memoryMb: 4096, wallMs: 299, usd: 6.0 },
    ];
    // 512 and 1024 cost within 1 %: the faster, 1024, is cheapest; 2048 and 4096 within 1 % in wall: 2048 is fastest
    // balanced: 512 → ½·1.005/6 + ½·900/900 = 0.584; 1024 → 0.083 + 0.278 = 0.361; 2048 → 0.25 + 0.167 = 0.417
    expect(pickSizes(points)).toEqual({ cheapest: 1024, fastest: 2048, balanced: 1024 });
  });
});

describe('parseMemoryList', () => {
  it('reads one size or a list, sorted, without duplicates', () => {
    expect(parseMemoryList('1024')).toEqual([1024]);
    expect(parseMemoryList('3008, 512,1769,512')).toEqual([512, 1769, 3008]);
  });
  it.each([
    ['0,abc', '`0`'],
    ['512,abc', '`abc`'],
    ['127', '`127`'],
    ['10241', '`10241`'],
    ['512,', '``'],
    ['1.5e3', '`1.5e3`'],
  ])('refuses %s naming the bad entry', (raw, named) => {
    let caught: unknown;
    try {
      parseMemoryList(raw);
    } catch (err) {
      caught = err;
    }
    expect(isFanoutError(caught) && caught.code).toBe('EINPUT');
    expect((caught as Error).message).toContain(`got ${named} in \`${raw}\``);
    expect((caught as Error).message).toContain('from 128 to 10240');
  });
});

describe('buildPlan with a memory list', () => {
  const request = {
    batches: 10,
    concurrency: 10,
    accountConcurrency: 1000,
    memoryMb: 512,
    architecture: 'arm64' as const,
    cores: 2,
    target: 'aws' as const,
  };

  it('predicts the scenario and the grid at the balanced size', () => {
    const plan = buildPlan(sample, { ...request, memorySizes: [512, 1769, 3008] });
    expect(plan.sweep?.balanced).toBe(1769);
    expect(plan.request.memoryMb).toBe(1769);
    expect(plan.prediction.wallMs).toBe(300);
    expect(plan.prediction.cost.memoryMb).toBe(1769);
  });

  it('a single size makes no sweep', () => {
    const plan = buildPlan(sample, { ...request, memorySizes: [512] });
    expect(plan.sweep).toBeUndefined();
    expect(plan.prediction.wallMs).toBeCloseTo(987.421875, 9);
  });

  it('per-batch extras add their requests and cost, and their time to every invoke', () => {
    const extra = { what: 'S3 offload', requests: 3, usd: 0.000_001, ms: 10 };
    const plan = buildPlan(sample, { ...request, memoryMb: 1769, perBatchExtras: [extra] });
    // 200 INIT + 100 map + 10 on the extra
    expect(plan.prediction.wallMs).toBe(310);
    expect(plan.prediction.extras).toEqual([{ what: 'S3 offload', requests: 30, usd: 10 * 0.000_001 }]);
    // billed: 10 × 110 + 10 × 200 ms
    expect(plan.prediction.cost.billedMs).toBe(3100);
    expect(plan.prediction.totalUsd).toBeCloseTo(plan.prediction.cost.totalUsd + 0.00001, 15);
  });

  it('the report chart has one point per size, the picks named', () => {
    const plan = buildPlan(sample, { ...request, memorySizes: [512, 1769, 3008] });
    const svg = sweepSvg(plan.sweep as NonNullable<typeof plan.sweep>);
    expect(svg.match(/<circle class="size"/g)).toHaveLength(3);
    expect(svg).toContain('512 MB (cheapest)');
    expect(svg).toContain('1769 MB (fastest, balanced)');
    expect(svg).toMatch(/3008 MB<\/text>/);
    // the N curve is unchanged by the sweep
    expect(planSvg(plan)).toContain('<svg class="plan-curve"');
  });
});
