import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AsyncAccumulator } from '../../../orchestrator/accumulators/async-accumulator.js';
import { AsyncMutex } from '../../../orchestrator/accumulators/async-mutex.js';
import { isFanoutError } from '../../../orchestrator/errors.js';

/** A merge that reads, awaits, then writes: the shape that loses updates without a lock. */
const slowAdd = async (acc: number, p: number): Promise<number> => {
  const seen = acc;
  await delay(1);
  return seen + p;
};

describe('AsyncMutex', () => {
  it('runs critical sections one at a time, first come first served', async () => {
    // Prepare
    const m = new AsyncMutex();
    const order: string[] = [];
    // Act
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        m.runExclusive(async () => {
          order.push(`${name}+`);
          await delay(5);
          order.push(`${name}-`);
        }),
      ),
    );
    // Assess
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(m.locked).toBe(false);
  });

  it('releases the lock when the section throws', async () => {
    const m = new AsyncMutex();
    await expect(m.runExclusive(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(m.locked).toBe(false);
  });

  it('acquire times out with ETIMEOUT and honours an abort signal, leaving the queue clean', async () => {
    // Prepare
    const m = new AsyncMutex();
    const release = await m.acquire();
    const controller = new AbortController();
    // Act
    const timedOut = m.acquire({ timeoutMs: 20 }).catch((e: unknown) => e);
    const aborted = m.acquire({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    // Assess
    expect(isFanoutError(await timedOut, 'ETIMEOUT')).toBe(true);
    expect(((await aborted) as Error).message).toBe('stop');
    expect(m.waiting).toBe(0);
    release();
    expect(m.locked).toBe(false);
  });
});

describe('AsyncAccumulator', () => {
  it('with the lock: awaiting merges give the exact total; each batch id merges once', async () => {
    // Prepare
    const acc = new AsyncAccumulator<number, number>(0, slowAdd);
    // Act
    const added = await Promise.all(
      Array.from({ length: 50 }, (_, i) => acc.add(String(i % 40), i % 40)), // ids 0..9 arrive twice
    );
    // Assess
    const expected = Array.from({ length: 40 }, (_, i) => i).reduce((a, b) => a + b, 0);
    expect(acc.value).toBe(expected);
    expect(added.filter(Boolean)).toHaveLength(40);
    expect(acc.duplicates).toBe(10);
  });

  it('without the lock (test hook): the same merges lose updates', async () => {
    const acc = new AsyncAccumulator<number, number>(0, slowAdd, { lock: false });
    await Promise.all(Array.from({ length: 40 }, (_, i) => acc.add(String(i), 1)));
    expect(acc.value).toBeLessThan(40);
  });

  it('a failed merge is an ETASK error and frees the id for a retry', async () => {
    // Prepare
    let fail = true;
    const acc = new AsyncAccumulator<number, number>(0, async (a, p) => {
      if (fail) throw new Error('disk full');
      return a + p;
    });
    // Act
    const err = await acc.add('7', 7).catch((e: unknown) => e);
    fail = false;
    const retried = await acc.add('7', 7);
    // Assess
    expect(isFanoutError(err, 'ETASK')).toBe(true);
    expect(retried).toBe(true);
    expect(acc.value).toBe(7);
  });
});
