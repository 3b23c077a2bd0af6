import { describe, expect, it } from 'vitest';
import { MAX_OPERATIONS, planGroups } from '../../../orchestrator/coordinator/engine-limits.js';

describe('planGroups', () => {
  it('groups 10,000 batches so the run fits the history with room for retries', () => {
    const plan = planGroups(10_000, 100);
    expect(plan).toEqual({ groupSize: 1000, groups: 10, operations: 4 + 10_000 + 3 * 10 });
    expect(plan.operations + 2 * 1000).toBeLessThan(MAX_OPERATIONS);
  });

  it('makes one group of a small job', () => {
    expect(planGroups(7, 8)).toEqual({ groupSize: 80, groups: 1, operations: 4 + 7 + 3 });
  });

  it('refuses a job that cannot fit, in one line saying what to do', () => {
    expect(() => planGroups(30_000, 100)).toThrow(
      'a job of 30000 batches needs about 36094 durable operations, over the 25000 one execution may hold: use a batch size about 2× larger, or the local coordinator',
    );
  });
});
