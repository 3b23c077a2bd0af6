import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectGoals, goalRow } from '../../../bench/goals.js';

describe('bench goals', () => {
  it('marks a ratio met at its bound and missed past it, on either side', () => {
    expect(goalRow('a', 1.05, { atMost: 1.05 })).toEqual({ measure: 'a', measured: 1.05, goal: '≤ 1.05×', met: true });
    expect(goalRow('a', 1.0501, { atMost: 1.05 }).met).toBe(false);
    expect(goalRow('b', 0.4999, { atLeast: 0.5 })).toEqual({ measure: 'b', measured: 0.5, goal: '≥ 0.5×', met: false });
    expect(goalRow('b', 0.5, { atLeast: 0.5 }).met).toBe(true);
  });

  const dir = mkdtempSync(join(tmpdir(), 'fanout-goals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes rows only from files written since the run began, and names the suites that wrote none', () => {
    const since = new Date('2026-12-05T03:00:00Z');
    const row = { measure: 'm', measured: 0.9, goal: '≥ 1×', met: false };
    writeFileSync(join(dir, 'fresh.json'), JSON.stringify({ date: '2026-12-05T03:01:00Z', goals: [row] }));
    writeFileSync(join(dir, 'stale.json'), JSON.stringify({ date: '2026-12-05T02:59:00Z', goals: [row] }));
    writeFileSync(join(dir, 'nogoals.json'), JSON.stringify({ date: '2026-12-05T03:02:00Z' }));
    expect(collectGoals(['fresh', 'stale', 'nogoals', 'absent'], since, dir)).toEqual([
      { suite: 'fresh', rows: [row] },
      { suite: 'stale', rows: undefined },
      { suite: 'nogoals', rows: [] },
      { suite: 'absent', rows: undefined },
    ]);
  });
});
