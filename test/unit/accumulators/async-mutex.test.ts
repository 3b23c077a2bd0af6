import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AsyncAccumulator, type MergeLock } from '../../../orchestrator/accumulators/async-accumulator.js';
import { AsyncMutex } from '../../../orchestrator/accumulators/async-mutex.js';
import { isFanoutError } from '../../../orchestrator/errors.js';

/** A merge that reads, awaits, then writes: the shape that loses updates without a lock. */
const slowAdd = async (acc: number, p: number): Promise<number> => {
  const seen = acc;
  await delay(1);
  return seen + p;
};

/** The test-only construction: the same accumulator code, with a "lock" that lets every merge in at once. */
const noLock: MergeLock = { runExclusive: async (fn) => fn() };

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
    // Assess: and the lock is free again
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(await Promise.race([m.acquire().then(() => 'free'), delay(50).then(() => 'held')])).toBe('free');
  });

  it('releases the lock when the section throws', async () => {
    const m = new AsyncMutex();
    await expect(m.runExclusive(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await Promise.race([m.acquire().then(() => 'free'), delay(50).then(() => 'held')])).toBe('free');
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
    expect(acc.size).toBe(40);
  });

  it('without the lock (a no-op lock passed in): the same merges lose updates', async () => {
    const acc = new AsyncAccumulator<number, number>(0, slowAdd, { lock: noLock });
    await Promise.all(Array.from({ length: 40 }, (_, i) => acc.add(String(i), 1)));
    expect(acc.value).toBeLessThan(40);
  });

  it('without the lock, an appending merge interleaves its writes; with it, each merge is whole and in order', async () => {
    // Prepare: a merge that writes a record in two awaited parts, like lines appended to a file
    const appendTwice = async (log: string[], p: string): Promise<string[]> => {
      log.push(`${p}:begin`);
      await delay(1);
      log.push(`${p}:end`);
      return log;
    };
    const run = async (lock?: MergeLock) => {
      const acc = new AsyncAccumulator<string[], string>([], appendTwice, lock ? { lock } : {});
      await Promise.all(['a', 'b', 'c'].map((p) => acc.add(p, p)));
      return acc.value;
    };
    // Act / Assess
    expect(await run()).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end', 'c:begin', 'c:end']);
    expect(await run(noLock)).toEqual(['a:begin', 'b:begin', 'c:begin', 'a:end', 'b:end', 'c:end']);
  });

  it('merges synchronous merges too, starting from the init value', async () => {
    const acc = new AsyncAccumulator<{ count: number }, { count: number }>({ count: 0 }, (a, p) => ({
      count: a.count + p.count,
    }));
    expect(acc.value).toEqual({ count: 0 });
    await Promise.all([acc.add('0', { count: 4 }), acc.add('1', { count: 6 }), acc.add('0', { count: 4 })]);
    await acc.idle();
    expect(acc.value).toEqual({ count: 10 });
    expect(acc.has('1')).toBe(true);
    expect(acc.has('2')).toBe(false);
  });

  it('a failed merge is an ETASK error naming the batch, frees the id, and idle() reports it', async () => {
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
    expect((err as Error).message).toBe('merge of batch 7 failed: disk full');
    expect(retried).toBe(true);
    expect(acc.value).toBe(7);
    await expect(acc.idle()).rejects.toBe(err);
  });

  it('room() waits while `limit` merges are pending and resolves as they finish', async () => {
    // Prepare: merges that finish only when released
    const gates: (() => void)[] = [];
    const acc = new AsyncAccumulator<number, number>(
      0,
      (a, p) =>
        new Promise<number>((resolve) => {
          gates.push(() => resolve(a + p));
        }),
    );
    void acc.add('0', 1);
    void acc.add('1', 1);
    let roomy = false;
    const room = acc.room(2).then(() => {
      roomy = true;
    });
    await delay(5);
    // Assess: two pending, limit 2 → no room yet
    expect(acc.pending).toBe(2);
    expect(roomy).toBe(false);
    // Act: the first merge finishes
    gates.shift()?.();
    await room;
    expect(roomy).toBe(true);
    await delay(1);
    gates.shift()?.();
    await acc.idle();
    expect(acc.value).toBe(2);
  });
});
