import { describe, expect, it } from 'vitest';
import type { ComparisonRow } from '../../../orchestrator/report/comparison.js';
import { NOT_MEASURED, rowCells } from '../../../orchestrator/report/comparison-table.js';
import { stageMeasures } from '../../../orchestrator/report/stage-measures.js';
import type { BatchRecord, RunStats } from '../../../orchestrator/stats.js';

const rec = (over: Partial<BatchRecord>): BatchRecord => ({
  batchId: '0',
  attempt: 1,
  backend: 'thread',
  side: 'thread',
  workerId: 'w0',
  startMs: 0,
  endMs: 10,
  stage: 'cpu',
  status: 'ok',
  ...over,
});
const stats = (records: BatchRecord[], over: Partial<RunStats> = {}): RunStats => ({
  wallMs: 100,
  batches: records.length,
  retries: 0,
  duplicates: 0,
  cpuMs: records.reduce((s, r) => s + (r.cpuMs ?? 0), 0),
  byBackend: { thread: { batches: records.length, cpuMs: 0 } },
  byWorker: {},
  records,
  ...over,
});

describe('stageMeasures', () => {
  it('counts overlapping items of one worker once and subtracts its wait for a core', () => {
    // Prepare: one fetch thread, three overlapping fetches over 0–100 ms, 30 ms of it waiting for a core, 35 ms CPU
    const records = [
      rec({ stage: 'fetch', startMs: 0, endMs: 60, cpuMs: 10, waitMs: 10 }),
      rec({ stage: 'fetch', startMs: 20, endMs: 80, cpuMs: 10, waitMs: 10 }),
      rec({ stage: 'fetch', startMs: 50, endMs: 100, cpuMs: 15, waitMs: 10 }),
    ];

    // Act
    const [fetch] = stageMeasures(stats(records));

    // Assess: busy = union 100 − wait 30 = 70, not 170 (the sum of the three spans)
    expect(fetch).toEqual({ stage: 'fetch', cpuMs: 35, busyMs: 70, items: 3, unmeasured: 0 });
  });

  it('leaves unmeasured items out of CPU and busy time instead of counting them as 0 ms', () => {
    const records = [
      rec({ workerId: 'a', startMs: 0, endMs: 40, cpuMs: 30, durationMs: 40 }),
      rec({ workerId: 'b', startMs: 0, endMs: 500 }),
    ];
    expect(stageMeasures(stats(records))).toEqual([{ stage: 'cpu', cpuMs: 30, busyMs: 40, items: 2, unmeasured: 1 }]);
  });
});

describe('CPU cells of the table', () => {
  const row = (s: RunStats): ComparisonRow =>
    ({
      backend: 'thread',
      wallMs: s.wallMs,
      runsWallMs: [s.wallMs],
      speedup: 1,
      cpuMs: s.cpuMs,
      cpuPerWall: s.cpuMs / s.wallMs,
      cpuUnmeasured: s.cpuUnmeasured ?? 0,
      batchesBySide: { thread: s.batches },
      retries: 0,
      duplicates: 0,
      cost: { local: { cpuSeconds: s.cpuMs / 1000 }, notes: [] },
      result: null,
      stats: s,
    }) as unknown as ComparisonRow;

  it('says n/a (not measured) when nothing reported its CPU', () => {
    const cells = rowCells(row(stats([rec({})], { cpuUnmeasured: 1 })), 'inline');
    expect(cells.cpu).toBe(NOT_MEASURED);
    expect(cells.cpuPerWall).toBe(NOT_MEASURED);
  });

  it('marks a partial sum with what it leaves out', () => {
    const cells = rowCells(row(stats([rec({ cpuMs: 50 }), rec({})], { cpuUnmeasured: 1 })), 'inline');
    expect(cells.cpu).toBe('0.05 s (+1 not measured)');
    expect(cells.cpuPerWall).toBe('0.50+');
  });

  it('prints measured figures as they are', () => {
    const cells = rowCells(row(stats([rec({ cpuMs: 50 })])), 'inline');
    expect(cells.cpu).toBe('0.05 s');
    expect(cells.cpuPerWall).toBe('0.50');
  });
});
