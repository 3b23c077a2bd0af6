import { describe, expect, it } from 'vitest';
import { Accumulator } from '../../../orchestrator/accumulators/accumulator.js';
import { primes } from '../../../orchestrator/tasks/primes.js';

describe('Accumulator', () => {
  it('merges each batch id once and counts the duplicates it drops', () => {
    const acc = new Accumulator<{ count: number }>(primes);
    expect(acc.add('0', { count: 4 })).toBe(true);
    expect(acc.add('1', { count: 6 })).toBe(true);
    expect(acc.add('0', { count: 4 })).toBe(false);
    expect(acc.add('1', { count: 100 })).toBe(false);
    expect(acc.value).toEqual({ count: 10 });
    expect(acc.size).toBe(2);
    expect(acc.duplicates).toBe(2);
    expect(acc.has('0')).toBe(true);
    expect(acc.has('2')).toBe(false);
  });

  it('starts from the task init value', () => {
    expect(new Accumulator(primes).value).toEqual({ count: 0 });
  });

  it('wraps a merge that throws in an ETASK error naming the batch, and does not mark it merged', () => {
    const bad = {
      ...primes,
      merge: () => {
        throw new Error('boom');
      },
    };
    const acc = new Accumulator(bad);
    expect(() => acc.add('7', { count: 1 })).toThrow(expect.objectContaining({ code: 'ETASK', batchId: '7' }));
    expect(acc.has('7')).toBe(false);
  });
});
