import { describe, expect, it } from 'vitest';
import { defineTask, fanout } from '../../../orchestrator/index.js';

/** A task whose batches are numbers and whose answer lists them in batch-id order, from whatever split it is given. */
function listing(name: string, split: () => Iterable<unknown> | AsyncIterable<unknown>) {
  return defineTask({
    name,
    split,
    map: (n: number) => ({ seen: [n] }),
    init: () => ({ seen: [] as number[] }),
    merge: (a: { seen: number[] }, p: { seen: number[] }) => ({ seen: [...a.seen, ...p.seen].sort((x, y) => x - y) }),
  });
}

describe('the batches a split gives, read the same whatever kind of iterable it returns', () => {
  it('a synchronous generator, an array, promises in a synchronous iterable, and an async generator', async () => {
    // Prepare: the same five batches four ways
    const kinds = [
      listing('sync-generator', function* () {
        for (let i = 0; i < 5; i++) yield i;
      }),
      listing('array', () => [0, 1, 2, 3, 4]),
      listing('sync-promises', () => [0, 1, 2, 3, 4].map((i) => Promise.resolve(i))),
      listing('async-generator', async function* () {
        for (let i = 0; i < 5; i++) yield i;
      }),
    ];
    // Act
    const runs = await Promise.all(kinds.map((task) => fanout(task, {}, { backend: 'inline' })));
    // Assess: every batch once, resolved (a promise yielded by a sync split is awaited, as `for await` did)
    for (const run of runs) {
      expect(run.result).toEqual({ seen: [0, 1, 2, 3, 4] });
      expect(run.stats.batches).toBe(5);
    }
  });

  it('a synchronous split that throws midway fails the run as the task’s error (ETASK)', async () => {
    // Prepare
    const broken = listing('throws-midway', function* () {
      yield 0;
      throw new Error('bad input row');
    });
    // Act
    const err = await fanout(broken, {}, { backend: 'inline' }).catch((e: unknown) => e);
    // Assess
    expect((err as { code?: string }).code).toBe('ETASK');
    expect((err as Error).message).toContain('split of task `throws-midway` failed: bad input row');
  });
});
