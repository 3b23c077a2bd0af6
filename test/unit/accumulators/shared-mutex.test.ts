import { describe, expect, it } from 'vitest';
import { countersConsistent, SharedCounters } from '../../../orchestrator/accumulators/shared-counters.js';
import { SharedMutex } from '../../../orchestrator/accumulators/shared-mutex.js';
import { isFanoutError } from '../../../orchestrator/errors.js';

describe('SharedMutex (one thread)', () => {
  it('lock, tryLock and unlock track the state', () => {
    // Prepare
    const m = SharedMutex.create();
    // Act / Assess
    expect(m.locked).toBe(false);
    m.lock();
    expect(m.locked).toBe(true);
    expect(m.tryLock()).toBe(false);
    m.unlock();
    expect(m.locked).toBe(false);
    expect(m.tryLock()).toBe(true);
    m.unlock();
  });

  it('lock gives up with ETIMEOUT when the lock stays held', () => {
    // Prepare
    const m = SharedMutex.create();
    m.lock();
    // Act
    let err: unknown;
    const t0 = Date.now();
    try {
      m.lock(50);
    } catch (e) {
      err = e;
    }
    // Assess
    expect(isFanoutError(err, 'ETIMEOUT')).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    m.unlock();
    expect(m.locked).toBe(false);
  });

  it('unlocking a free mutex is reported as a bug', () => {
    const m = SharedMutex.create();
    expect(() => m.unlock()).toThrow(/not locked/);
    expect(m.locked).toBe(false);
  });

  it('withLock releases even when the section throws', () => {
    const m = SharedMutex.create();
    expect(() =>
      m.withLock(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(m.locked).toBe(false);
  });

  it('two views of the same buffer share one lock', () => {
    // Prepare
    const a = SharedMutex.create();
    const b = new SharedMutex(a.buffer, a.byteOffset);
    // Act / Assess
    a.lock();
    expect(b.tryLock()).toBe(false);
    a.unlock();
    expect(b.locked).toBe(false);
    expect(b.tryLock()).toBe(true);
    expect(a.locked).toBe(true);
    b.unlock();
  });
});

describe('SharedCounters (one thread)', () => {
  it('adds several fields as one update and snapshots consistently', () => {
    // Prepare
    const c = SharedCounters.create();
    // Act
    c.add({ attempts: 1, status5xx: 1 });
    c.add({ attempts: 1, status2xx: 1, docs: 1, bytes: 3_000_000_000 });
    c.add({ failed: 1 });
    // Assess
    const s = c.snapshot();
    expect(s).toMatchObject({ attempts: 2, status2xx: 1, status5xx: 1, docs: 1, bytes: 3_000_000_000, failed: 1 });
    expect(countersConsistent(s)).toBe(true);
    expect(countersConsistent({ ...s, attempts: 3 })).toBe(false);
  });
});
