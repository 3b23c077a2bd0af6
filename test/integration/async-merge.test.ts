import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isFanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import { defineTask } from '../../orchestrator/tasks/task.js';

/** Async merges in the engine: backpressure on dispatch and failures, on the inline backend (same process). */

/** 40 instant batches whose merge takes 20 ms: left alone, every partial would be waiting for its merge. */
function slowMergeTask() {
  const seen = { mapped: 0, merged: 0, maxUnmerged: 0 };
  const task = defineTask({
    name: 'slow-merge',
    *split() {
      for (let i = 0; i < 40; i++) yield i;
    },
    map: (i: number) => {
      seen.mapped++;
      seen.maxUnmerged = Math.max(seen.maxUnmerged, seen.mapped - seen.merged);
      return i;
    },
    init: () => 0,
    async merge(acc: number, p: number) {
      await delay(20);
      seen.merged++;
      return acc + p;
    },
  });
  return { task, seen };
}

describe('async merge in the engine', () => {
  it('holds dispatch back while the merges lag, so unmerged partials stay bounded', async () => {
    // Act
    const { task, seen } = slowMergeTask();
    const { result, stats } = await fanout(task, {}, { backend: 'inline', workers: 2 });

    // Assess: every batch merged once; never more than the slots' worth waiting (2 pending + 2 in flight + the one
    // being mapped), where without backpressure all 40 maps would run before the second merge ends
    expect(result).toBe((39 * 40) / 2);
    expect(stats.batches).toBe(40);
    expect(seen.merged).toBe(40);
    expect(seen.maxUnmerged).toBeLessThanOrEqual(5);
  });

  it('a merge that rejects fails the run with ETASK naming the batch, keeping what was merged', async () => {
    // Prepare
    const task = defineTask({
      name: 'failing-merge',
      *split() {
        for (let i = 0; i < 10; i++) yield i;
      },
      map: (i: number) => i,
      init: () => 0,
      async merge(acc: number, p: number) {
        await delay(1);
        if (p === 3) throw new Error('database is read-only');
        return acc + p;
      },
    });

    // Act
    const err = await fanout(task, {}, { backend: 'inline', workers: 1 }).catch((e: unknown) => e);

    // Assess
    expect(isFanoutError(err, 'ETASK')).toBe(true);
    expect((err as Error).message).toBe('merge of batch 3 failed: database is read-only');
    const partial = (err as { partial?: { result: number; batchesMerged: number } }).partial;
    expect(partial?.batchesMerged).toBeGreaterThanOrEqual(3);
    expect(partial?.result).toBe(
      [0, 1, 2, 4, 5, 6, 7, 8, 9].slice(0, partial?.batchesMerged).reduce((a, b) => a + b, 0),
    );
  });
});
