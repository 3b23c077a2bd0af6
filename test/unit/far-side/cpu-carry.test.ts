import { describe, expect, it, vi } from 'vitest';
import { CPU_READ_EVERY_MS, CpuCarry } from '../../../orchestrator/far-side/cpu-carry.js';
import { runBatch } from '../../../orchestrator/far-side/run-batch.js';
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
  it('gives each batch of a millisecond or more its own CPU time, not the running total', async () => {
    // Prepare
    const carry = new CpuCarry();
    // Act: three batches back to back, each burning 30 ms of CPU
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await runBatch(spin, { ms: 30 }, never, 'process', `b${i}`, carry));
    // Assess: every batch holds its own 30 ms (a total carried over would read ≥ 60 ms from the second on)
    for (const r of results) {
      expect(r.cpuMs).toBeGreaterThanOrEqual(30);
      expect(r.cpuMs).toBeLessThan(55);
    }
  });

  it('starts from a fresh reading after the carry is reset, as the serve loop does after a failed batch', async () => {
    // Prepare: a batch that burns 40 ms and throws leaves the carry at the reading before it
    const carry = new CpuCarry();
    await runBatch(spin, { ms: 5 }, never, 'process', 'a', carry);
    await expect(runBatch(spin, { ms: 40, fail: true }, never, 'process', 'b', carry)).rejects.toThrow('spun');
    carry.reset();
    // Act
    const after = await runBatch(spin, { ms: 20 }, never, 'process', 'c', carry);
    // Assess: the failed batch's 40 ms are not billed to the next one
    expect(after.cpuMs).toBeGreaterThanOrEqual(20);
    expect(after.cpuMs).toBeLessThan(40);
  });

  it('lets sub-millisecond batches share readings, and their CPU still adds up to what the process spent', async () => {
    // Prepare: 400 batches of ~50 µs, then one that burns 3 ms of CPU and closes the last window
    const carry = new CpuCarry();
    const tiny = defineTask<object, { us: number }, object, object>({
      name: 'tiny',
      *split() {},
      map({ us }) {
        const end = performance.now() + us / 1000;
        while (performance.now() < end);
        return {};
      },
      init: () => ({}),
      merge: (acc) => acc,
    });
    const readings = vi.spyOn(process, 'cpuUsage');
    const before = process.cpuUsage();
    readings.mockClear();
    // Act
    const results = [];
    for (let i = 0; i < 400; i++) results.push(await runBatch(tiny, { us: 50 }, never, 'process', `t${i}`, carry));
    const readsForTiny = readings.mock.calls.length;
    results.push(await runBatch(spin, { ms: 3 }, never, 'process', 'last', carry));
    readings.mockRestore();
    const spent = process.cpuUsage(before);
    // Assess: far fewer readings than batches (a window is CPU_READ_EVERY_MS of wall); the batches' CPU is the process's
    expect(CPU_READ_EVERY_MS).toBeGreaterThan(0.05);
    expect(readsForTiny).toBeLessThan(400 / 2);
    const sum = results.reduce((a, r) => a + r.cpuMs, 0);
    const spentMs = (spent.user + spent.system) / 1000;
    expect(sum).toBeLessThanOrEqual(spentMs * 1.05);
    expect(sum).toBeGreaterThan(spentMs * 0.7);
    expect(results.at(-1)?.cpuMs).toBeGreaterThan(0);
  });
});
