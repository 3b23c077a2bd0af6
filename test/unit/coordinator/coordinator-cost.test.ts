import { describe, expect, it } from 'vitest';
import { coordinatorCost } from '../../../orchestrator/coordinator/coordinator-cost.js';

describe('coordinatorCost', () => {
  it('bills the durable operations of its grouping, its own duration, and counts the uplink bytes saved', () => {
    // Act: 1,000 batches at concurrency 10 → groups of 100, 10 groups; a 30-minute fan-out on arm64
    const cost = coordinatorCost({
      batches: 1000,
      concurrency: 10,
      wallMs: 1_800_000.4,
      architecture: 'arm64',
      localTotalUsd: 0.5,
      sampled: [
        { requestBytes: 100, responseBytes: 300 },
        { requestBytes: 200, responseBytes: 500 },
      ],
    });
    // Assess: 4 + 1,000 + 3 × 10 = 1,034 operations × $8 per million = $0.008272
    expect(cost.operations).toBe(1034);
    expect(cost.groups).toBe(10);
    expect(cost.groupSize).toBe(100);
    expect(cost.operationsUsd).toBeCloseTo(0.008272, 12);
    // 1,800,001 ms billed in 3 invocations (900 s each at most): 1,800.001 GB-s × $0.0000133334 + 3 × $0.0000002
    expect(cost.durationMs).toBe(1_800_001);
    expect(cost.invocations).toBe(3);
    expect(cost.durationUsd).toBeCloseTo(0.0240007333334, 12);
    expect(cost.totalUsd).toBeCloseTo(0.5 + 0.008272 + 0.0240007333334, 12);
    // (400 + 700) / 2 = 550 bytes per batch × 1,000 batches
    expect(cost.bandwidthSavedBytes).toBe(550_000);
  });

  it('makes one group of a job its concurrency covers, and one invocation of a short run', () => {
    const cost = coordinatorCost({
      batches: 10_000,
      concurrency: 1000,
      wallMs: 4_000,
      architecture: 'x86_64',
      localTotalUsd: 0,
      sampled: [],
    });
    // 4 + 10,000 + 3 × 1 = 10,007 operations
    expect(cost.operations).toBe(10_007);
    expect(cost.groups).toBe(1);
    expect(cost.invocations).toBe(1);
    // 4 GB-s × $0.0000166667 + $0.0000002
    expect(cost.durationUsd).toBeCloseTo(4 * 0.0000166667 + 0.0000002, 12);
    expect(cost.bandwidthSavedBytes).toBe(0);
  });
});
