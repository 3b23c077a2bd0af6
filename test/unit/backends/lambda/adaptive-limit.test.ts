import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from '../../../../orchestrator/backends/lambda/adaptive-limit.js';

describe('AdaptiveLimit (AIMD)', () => {
  it('halves on throttle, never below 1', () => {
    // Prepare
    const limit = new AdaptiveLimit(10);
    // Act
    const seen = [10, 10, 10, 10, 10].map(() => {
      limit.onThrottle();
      return limit.current;
    });
    // Assess
    expect(seen).toEqual([5, 2, 1, 1, 1]);
  });

  it('adds one slot per window of `limit` successes, up to the maximum', () => {
    // Prepare
    const limit = new AdaptiveLimit(4);
    limit.onThrottle(); // 2
    const seen: number[] = [];
    // Act
    for (let i = 0; i < 12; i++) {
      limit.onSuccess();
      seen.push(limit.current);
    }
    // Assess: 2 successes → 3, 3 more → 4, then capped
    expect(seen).toEqual([2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4]);
  });

  it('gates acquirers at the current limit and admits them as slots free or the limit grows', async () => {
    // Prepare
    const limit = new AdaptiveLimit(2);
    await limit.acquire();
    await limit.acquire();
    let third = false;
    const waiting = limit.acquire().then(() => {
      third = true;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    // Act
    limit.release();
    await waiting;
    // Assess
    expect(third).toBe(true);
    expect(limit.inFlight).toBe(2);
  });

  it('drops an aborted waiter without taking a slot', async () => {
    // Prepare
    const limit = new AdaptiveLimit(1);
    await limit.acquire();
    const controller = new AbortController();
    const waiting = limit.acquire(controller.signal);
    // Act
    controller.abort(new Error('stop'));
    // Assess
    await expect(waiting).rejects.toThrow('stop');
    limit.release();
    expect(limit.inFlight).toBe(0);
  });
});
