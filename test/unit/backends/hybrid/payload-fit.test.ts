import { describe, expect, it } from 'vitest';
import { exceedsLimit, largestPayload } from '../../../../orchestrator/backends/hybrid/payload-fit.js';

describe('hybrid: payload limits of two sides', () => {
  it('is limited only when every side is, by the largest limit', () => {
    expect(largestPayload([undefined, 6_000_000])).toBeUndefined();
    expect(largestPayload([6_000_000, undefined])).toBeUndefined();
    expect(largestPayload([6_000_000, 20_000_000])).toBe(20_000_000);
    expect(largestPayload([])).toBeUndefined();
  });

  it('finds a batch over a side limit below the overall one, by its JSON size', () => {
    const batch = { items: ['x'.repeat(100)] }; // {"items":["xxx…"]}: 114 bytes
    expect(exceedsLimit(batch, 113, undefined)).toBe(true);
    expect(exceedsLimit(batch, 114, undefined)).toBe(false);
    // measured once and remembered: the same object is the same size
    expect(exceedsLimit(batch, 113, 1_000)).toBe(true);
    expect(exceedsLimit('é'.repeat(10), 21, undefined)).toBe(true); // "éé…": 22 bytes of UTF-8
    // no limit on the side, or the side's limit is the overall one (fanout() already cut every batch to it)
    expect(exceedsLimit(batch, undefined, undefined)).toBe(false);
    expect(exceedsLimit(batch, 10, 10)).toBe(false);
  });
});
