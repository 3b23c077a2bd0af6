import { describe, expect, it } from 'vitest';
import { type CpuCarry, runBatch } from '../../../orchestrator/far-side/run-batch.js';
import { defineTask } from '../../../orchestrator/tasks/task.js';

/** Burns `ms` of this process's CPU time (not wall time), then returns it, or throws when `fail`. */
const spin = defineTask<{ ms: number }, { ms: number; fail?: boolean }, { ms: number }, { ms: number }>({
  name: 'spin',
  *split() {},
  map({ ms, fail }) {
    const start = process.cpuUsage();
    for (;;) {
      const used = process.cpuUsage(start);
      if (used.user + used.system >= ms * 1000) break;
    }
    if (fail) throw new Error('spun and failed');
    return { ms };
  },
  init: () => ({ ms: 0 }),
  merge: (acc, p) => ({ ms: acc.ms + p.ms }),
});

const never = new AbortController().signal;

describe('the CPU reading carried between back-to-back batches of a child process', () => {
  it('gives each batch its own CPU time, not the running total, with one reading per batch', async () => {
    // Prepare
    const carry: CpuCarry = { last: undefined };
    // Act: three batches back to back, each burning 30 ms of CPU
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await runBatch(spin, { ms: 30 }, never, 'process', `b${i}`, carry));
    // Assess: every batch holds its own 30 ms (a total carried over would read ≥ 60 ms from the second on)
    for (const r of results) {
      expect(r.cpuMs).toBeGreaterThanOrEqual(30);
      expect(r.cpuMs).toBeLessThan(55);
    }
    expect(carry.last).toBeDefined();
  });

  it('starts from a fresh reading after the carry is reset, as the serve loop does after a failed batch', async () => {
    // Prepare: a batch that burns 40 ms and throws leaves the carry at the reading before it
    const carry: CpuCarry = { last: undefined };
    await runBatch(spin, { ms: 5 }, never, 'process', 'a', carry);
    await expect(runBatch(spin, { ms: 40, fail: true }, never, 'process', 'b', carry)).rejects.toThrow('spun');
    carry.last = undefined;
    // Act
    const after = await runBatch(spin, { ms: 20 }, never, 'process', 'c', carry);
    // Assess: the failed batch's 40 ms are not billed to the next one
    expect(after.cpuMs).toBeGreaterThanOrEqual(20);
    expect(after.cpuMs).toBeLessThan(40);
  });
});
