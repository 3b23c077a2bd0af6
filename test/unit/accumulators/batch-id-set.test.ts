import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchIdSet } from '../../../orchestrator/accumulators/batch-id-set.js';

describe('BatchIdSet', () => {
  it('behaves like a Set<string> for any mix of index-like and other ids', () => {
    const id = fc.oneof(
      fc.nat({ max: 100_000 }).map(String),
      fc.constantFrom('0', '00', '01', '-1', '1.0', '12.3', '2147483647', '2147483648', '99999999999', ''),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 200 }), fc.array(id, { maxLength: 50 }), (added, probes) => {
        const ours = new BatchIdSet();
        const ref = new Set<string>();
        for (const a of added) expect(ours.add(a)).toBe(!ref.has(a) && ref.add(a) !== undefined);
        expect(ours.size).toBe(ref.size);
        for (const p of [...probes, ...added]) expect(ours.has(p)).toBe(ref.has(p));
        for (const p of probes) expect(ours.delete(p)).toBe(ref.delete(p));
        expect(ours.size).toBe(ref.size);
        for (const p of [...probes, ...added]) expect(ours.has(p)).toBe(ref.has(p));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps ten million sequential ids in about a megabyte', () => {
    const before = process.memoryUsage().arrayBuffers;
    const ids = new BatchIdSet();
    for (let i = 0; i < 10_000_000; i++) ids.add(String(i));
    expect(ids.size).toBe(10_000_000);
    expect(ids.has('9999999')).toBe(true);
    expect(ids.has('10000000')).toBe(false);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 2 ** 20);
  });
});
