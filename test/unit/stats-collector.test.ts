import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../orchestrator/errors.js';
import { collectStats, StatsCollector } from '../../orchestrator/stats-collector.js';

describe('StatsCollector', () => {
  it('keeps exact totals for any size while capping the detailed records per stage', () => {
    // Prepare: 50 fetches and 8 CPU batches, with a cap of 10 records per stage
    const c = new StatsCollector('process', 'cpu', 10);
    const t0 = c.startedAt;
    for (let i = 0; i < 50; i++) {
      c.stage({
        stage: 'fetch',
        item: `u${i}`,
        workerId: 'fetch-0',
        startedAt: t0 + i,
        endedAt: t0 + i + 2,
        status: 'ok',
        cpuMs: 1,
      });
    }
    for (let i = 0; i < 8; i++) {
      c.attempt({
        job: { id: String(i), batch: null, attempt: 1 },
        startedAt: t0 + 100,
        endedAt: t0 + 110,
        outcome: { partial: 1, workerId: `process-${i % 2}`, cpuMs: 5 },
      });
    }
    // Act
    const stats = collectStats(c, { batches: 8, retries: 0, speculated: 0 }, 0);
    // Assess
    expect(stats.records).toHaveLength(18);
    expect(stats.recordsDropped).toBe(40);
    expect(stats.stages?.fetch).toEqual({ items: 50, busyMs: 100, cpuMs: 50, wallMs: 51 });
    expect(stats.stages?.cpu).toEqual({ items: 8, busyMs: 80, cpuMs: 40, wallMs: 10 });
    expect(stats.cpuMs).toBe(90);
    expect(stats.byBackend).toEqual({ process: { batches: 8, cpuMs: 40 } });
    expect(stats.byWorker).toEqual({ 'process-0': { batches: 4, cpuMs: 20 }, 'process-1': { batches: 4, cpuMs: 20 } });
  });

  it('puts a failed attempt in the lane of the worker it ran on', () => {
    // Prepare: the backend tagged the attempt's error with its worker
    const c = new StatsCollector('process');
    const error = new FanoutError('ETASK', 'boom', { batchId: '0' });
    error.workerId = 'process-1';
    // Act
    c.attempt({ job: { id: '0', batch: null, attempt: 1 }, startedAt: c.startedAt, endedAt: c.startedAt + 5, error });
    // Assess
    expect(c.records[0]).toMatchObject({ status: 'error', workerId: 'process-1', errorCode: 'ETASK' });
  });

  it('counts a losing speculative copy as a duplicate, not as a batch', () => {
    const c = new StatsCollector('hybrid');
    const t0 = c.startedAt;
    const job = { id: '0', batch: null, attempt: 1 };
    c.attempt({ job, startedAt: t0, endedAt: t0 + 5, outcome: { partial: 1, workerId: 'process-0', side: 'process' } });
    c.attempt({
      job: { ...job, speculative: true },
      startedAt: t0,
      endedAt: t0 + 9,
      outcome: { partial: 1, workerId: 'lambda-a', side: 'lambda' },
      cancelled: true,
    });
    const stats = collectStats(c, { batches: 1, retries: 0, speculated: 1 }, 0);
    expect(stats.byBackend).toEqual({ process: { batches: 1, cpuMs: 0 } });
    expect(stats.duplicates).toBe(1);
    expect(stats.records.map((r) => r.status)).toEqual(['ok', 'duplicate']);
  });
});
