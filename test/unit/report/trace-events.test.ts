import { describe, expect, it } from 'vitest';
import { buildTrace } from '../../../orchestrator/report/trace-events.js';
import type { BatchRecord } from '../../../orchestrator/stats.js';
import { validateTrace } from '../../helpers/trace-format.js';

const rec = (r: Partial<BatchRecord>): BatchRecord => ({
  batchId: '0',
  attempt: 1,
  backend: 'process',
  side: 'process',
  workerId: 'process-0',
  startMs: 0,
  endMs: 10,
  stage: 'cpu',
  status: 'ok',
  ...r,
});

describe('buildTrace', () => {
  it('places runs where they ran, one pid per backend and one tid per lane, fetch lanes first', () => {
    // Prepare: a hybrid run with a fetch and two sides, then an inline run 1 s later
    const t0 = 1_700_000_000_000;
    const trace = buildTrace([
      {
        run: { backend: 'hybrid', startedAt: t0 },
        records: [
          rec({
            stage: 'fetch',
            side: 'fetch',
            backend: 'fetch',
            workerId: 'fetch-0',
            batchId: 'http://a/1',
            endMs: 4,
          }),
          rec({ side: 'lambda', workerId: 'lambda-ab', startMs: 4, endMs: 30, coldStart: true, initMs: 120 }),
          rec({ batchId: '1', startMs: 4.5, endMs: 9, status: 'error', error: 'boom', errorCode: 'ETASK' }),
        ],
      },
      { run: { backend: 'inline', startedAt: t0 + 1000 }, records: [rec({ backend: 'inline', workerId: 'main' })] },
    ]);

    // Act
    const v = validateTrace(JSON.parse(JSON.stringify(trace)));

    // Assess
    expect([...v.processNames]).toEqual([
      [1, 'hybrid'],
      [2, 'inline'],
    ]);
    expect(v.threadNames.get('1/1')).toBe('fetch-0');
    expect(v.threadNames.get('1/2')).toBe('lambda-ab');
    expect(v.threadNames.get('1/3')).toBe('process-0');
    const cold = v.attempts.find((e) => e.args.coldStart);
    expect(cold).toMatchObject({ ts: 4000, dur: 26000, pid: 1, tid: 2, name: 'batch 0' });
    expect(cold?.args).toMatchObject({ side: 'lambda', initMs: 120, attempt: 1 });
    const failed = v.attempts.find((e) => e.args.status === 'error');
    expect(failed).toMatchObject({ ts: 4500, dur: 4500, cat: 'cpu,error' });
    expect(failed?.args).toMatchObject({ error: 'boom', errorCode: 'ETASK' });
    expect(v.attempts.find((e) => e.pid === 2)).toMatchObject({ ts: 1_000_000, dur: 10_000 });
    expect(v.runs.map((r) => [r.pid, r.ts, r.dur])).toEqual([
      [1, 0, 30_000],
      [2, 1_000_000, 10_000],
    ]);
  });

  it('counts work in flight per stage at every change, an end before a start at the same instant', () => {
    // Prepare: hand-computed: A 0–10, B 5–15, C 10–20 → 0 at the start, 1 at 0, 2 at 5, still 2 at 10 (A ends as
    // C starts: no sample), 1 at 15, 0 at 20
    const records = [
      rec({ batchId: 'A', startMs: 0, endMs: 10 }),
      rec({ batchId: 'B', startMs: 5, endMs: 15, workerId: 'process-1' }),
      rec({ batchId: 'C', startMs: 10, endMs: 20 }),
    ];

    // Act
    const v = validateTrace(buildTrace([{ run: { backend: 'process', startedAt: 5 }, records }]));

    // Assess
    expect(v.counters.map((c) => [c.ts, c.args.cpu])).toEqual([
      [0, 0],
      [0, 1],
      [5000, 2],
      [15000, 1],
      [20000, 0],
    ]);
  });

  it('rejects what a viewer would not draw: a negative duration, an unnamed thread', () => {
    // Prepare
    const good = buildTrace([{ run: { backend: 'process', startedAt: 0 }, records: [rec({})] }]);
    const negative = structuredClone(good);
    const x = negative.traceEvents.find((e) => e.ph === 'X' && e.cat !== 'run') as { dur: number };
    x.dur = -1;
    const unnamed = structuredClone(good);
    unnamed.traceEvents = unnamed.traceEvents.filter((e) => !(e.name === 'thread_name' && e.tid === 1));

    // Act + Assess
    expect(() => validateTrace(good)).not.toThrow();
    expect(() => validateTrace(negative)).toThrow(/dur/);
    expect(() => validateTrace(unnamed)).toThrow(/tid without thread_name/);
  });
});
