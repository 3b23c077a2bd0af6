import { describe, expect, it } from 'vitest';
import { fanout } from '../../../orchestrator/fanout.js';

describe('sleep task', () => {
  it('--ms 0 does not wait for a timer tick per batch: 50,000 batches finish in seconds', async () => {
    // Prepare: a 0 ms timer costs ~1 ms, which made 50,000 batches take ~30 s before
    const t0 = Date.now();
    // Act
    const { result, stats } = await fanout('sleep', { batches: 50_000, ms: 0 }, { backend: 'inline' });
    // Assess: exact totals, and a bound far above the real time (< 1 s) and far below the old one
    expect(result).toEqual({ batches: 50_000, sleptMs: 0 });
    expect(stats.batches).toBe(50_000);
    expect(Date.now() - t0).toBeLessThan(12_000);
  });

  it('still waits when --ms is positive', async () => {
    const t0 = Date.now();
    const { result } = await fanout('sleep', { batches: 2, ms: 60 }, { backend: 'inline' });
    expect(result).toEqual({ batches: 2, sleptMs: 120 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });
});
