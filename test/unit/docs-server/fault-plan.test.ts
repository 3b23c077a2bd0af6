import { describe, expect, it } from 'vitest';
import { FaultPlan } from '../../../orchestrator/docs-server/fault-plan.js';

describe('FaultPlan', () => {
  it('gives each run id its own `attempts` faults per path, and requests without one a shared count', () => {
    // Prepare
    const plan = new FaultPlan({ rate: 1, attempts: 2, kinds: ['503'] });
    const faults = (runId?: string): number => {
      let n = 0;
      for (let i = 0; i < 5; i++) if (plan.next('/docs/a', runId)) n++;
      return n;
    };

    // Act / Assess: the first run spends its two faults; a second run still meets both
    expect(faults('run-1')).toBe(2);
    expect(faults('run-1')).toBe(0);
    expect(faults('run-2')).toBe(2);
    expect(faults()).toBe(2);
    expect(faults()).toBe(0);
    expect(plan.injected['503']).toBe(6);
  });
});
