import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FanoutError } from '../../../orchestrator/errors.js';
import { runScheduler } from '../../../orchestrator/scheduler/scheduler.js';
import { batches, crash, FakeBackend, schedulerOptions } from '../../helpers/fake-backend.js';

describe('runScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every batch once with at most `capacity` in flight', async () => {
    // Prepare
    const backend = new FakeBackend(() => ({ ms: 100 }), 3);
    const results = new Map<string, unknown>();
    // Act
    const run = runScheduler(
      batches(10),
      schedulerOptions({ backend, onResult: (id, o) => results.set(id, o.partial) }),
    );
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess
    expect(summary).toEqual({ batches: 10, retries: 0, speculated: 0 });
    expect([...results.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(batches(10).map((b) => b.id));
    expect(backend.maxInFlight).toBe(3);
  });

  it('respects an explicit concurrency below capacity', async () => {
    const backend = new FakeBackend(() => ({ ms: 10 }), 8);
    const run = runScheduler(batches(6), schedulerOptions({ backend, concurrency: 2, onResult: () => {} }));
    await vi.runAllTimersAsync();
    await run;
    expect(backend.maxInFlight).toBe(2);
  });

  it('times a slow attempt out, aborts it, and retries it', async () => {
    // Prepare: batch 1 hangs on its first attempt only
    const backend = new FakeBackend((job) => ({ ms: job.id === '1' && job.attempt === 1 ? 10_000 : 50 }));
    const ids: string[] = [];
    // Act
    const run = runScheduler(
      batches(3),
      schedulerOptions({
        backend,
        timeoutMs: 500,
        backoff: { baseMs: 10 },
        onResult: (id) => ids.push(id),
      }),
    );
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess
    expect(summary.retries).toBe(1);
    expect(backend.aborted).toBe(1);
    expect(ids.sort()).toEqual(['0', '1', '2']);
    expect(backend.seen.filter((j) => j.id === '1').map((j) => j.attempt)).toEqual([1, 2]);
  });

  it('retries retryable errors with backoff, then fails with the last error', async () => {
    const backend = new FakeBackend((job) => (job.id === '2' ? { ms: 5, error: crash() } : { ms: 5 }));
    const run = runScheduler(
      batches(4),
      schedulerOptions({
        backend,
        retries: 3,
        backoff: { baseMs: 100 },
        random: () => 1,
        onResult: () => {},
      }),
    );
    const assertion = expect(run).rejects.toMatchObject({ code: 'ECRASH', batchId: '2' });
    await vi.runAllTimersAsync();
    await assertion;
    expect(backend.seen.filter((j) => j.id === '2')).toHaveLength(4);
  });

  it('waits the jittered exponential backoff between attempts', async () => {
    const starts: number[] = [];
    const backend = new FakeBackend((job) => {
      starts.push(Date.now());
      return job.attempt < 3 ? { ms: 0, error: crash() } : { ms: 0 };
    });
    const run = runScheduler(
      batches(1),
      schedulerOptions({
        backend,
        backoff: { baseMs: 100, maxMs: 1000 },
        random: () => 1,
        onResult: () => {},
      }),
    );
    await vi.runAllTimersAsync();
    await run;
    // a failing attempt may itself take one fake-timer tick (setTimeout 0 can be clamped to 1 ms)
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(100);
    expect(starts[1]! - starts[0]!).toBeLessThanOrEqual(101);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(200);
    expect(starts[2]! - starts[1]!).toBeLessThanOrEqual(201);
  });

  it('honours a server-given Retry-After delay', async () => {
    const starts: number[] = [];
    const backend = new FakeBackend((job) => {
      starts.push(Date.now());
      return job.attempt === 1
        ? { ms: 0, error: new FanoutError('ETHROTTLED', 'slow down', { retryAfterMs: 3000 }) }
        : { ms: 0 };
    });
    const run = runScheduler(batches(1), schedulerOptions({ backend, backoff: { baseMs: 10 }, onResult: () => {} }));
    await vi.runAllTimersAsync();
    await run;
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(3000);
    expect(starts[1]! - starts[0]!).toBeLessThanOrEqual(3001);
  });

  it('does not retry non-retryable errors', async () => {
    const backend = new FakeBackend(() => ({ ms: 1, error: new FanoutError('EINPUT', 'bad batch') }));
    const run = runScheduler(batches(2), schedulerOptions({ backend, onResult: () => {} }));
    const assertion = expect(run).rejects.toMatchObject({ code: 'EINPUT' });
    await vi.runAllTimersAsync();
    await assertion;
    expect(backend.seen.every((j) => j.attempt === 1)).toBe(true);
  });

  it('stops everything on abort: in-flight attempts aborted, nothing more started, ECANCEL', async () => {
    // Prepare
    const backend = new FakeBackend(() => ({ ms: 1000 }), 2);
    const controller = new AbortController();
    const ids: string[] = [];
    const run = runScheduler(
      batches(10),
      schedulerOptions({ backend, signal: controller.signal, onResult: (id) => ids.push(id) }),
    );
    const assertion = expect(run).rejects.toMatchObject({ code: 'ECANCEL' });
    // Act
    await vi.advanceTimersByTimeAsync(1500);
    controller.abort();
    await vi.runAllTimersAsync();
    // Assess
    await assertion;
    expect(ids).toEqual(['0', '1']);
    expect(backend.seen).toHaveLength(4);
    expect(backend.aborted).toBe(2);
    expect(backend.inFlight).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const backend = new FakeBackend(() => ({ ms: 1 }));
    const controller = new AbortController();
    controller.abort();
    await expect(
      runScheduler(batches(2), schedulerOptions({ backend, signal: controller.signal, onResult: () => {} })),
    ).rejects.toMatchObject({
      code: 'ECANCEL',
    });
    expect(backend.seen).toHaveLength(0);
  });

  it('pulls from an async source only when a slot is free (backpressure)', async () => {
    // Prepare: a source that counts how far ahead of completion it was pulled
    const backend = new FakeBackend(() => ({ ms: 100 }), 2);
    let produced = 0;
    let completed = 0;
    let maxAhead = 0;
    async function* source() {
      for (let i = 0; i < 20; i++) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - completed);
        yield { id: String(i), batch: i };
      }
    }
    // Act
    const run = runScheduler(source(), schedulerOptions({ backend, onResult: () => completed++ }));
    await vi.runAllTimersAsync();
    await run;
    // Assess
    expect(completed).toBe(20);
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('speculates on a straggler once the queue is empty; the first copy wins and the other is cancelled', async () => {
    // Prepare: batch 5 is slow on its first copy
    const backend = new FakeBackend((job) => ({ ms: job.id === '5' && !job.speculative ? 10_000 : 100 }), 2);
    const results: string[] = [];
    // Act
    const run = runScheduler(
      batches(6),
      schedulerOptions({ backend, speculate: true, onResult: (id) => results.push(id) }),
    );
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess
    expect(summary.speculated).toBe(1);
    expect(results.sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(backend.seen.filter((j) => j.id === '5')).toHaveLength(2);
    expect(backend.aborted).toBe(1);
  });

  it('does not speculate on batches that are late by less than the margin', async () => {
    // Prepare: 10 ms batches, one takes 60 ms (6× the median, but only 50 ms late)
    const backend = new FakeBackend((job) => ({ ms: job.id === '5' && !job.speculative ? 60 : 10 }), 2);
    // Act
    const run = runScheduler(batches(6), schedulerOptions({ backend, speculate: true, onResult: () => {} }));
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess
    expect(summary.speculated).toBe(0);
    expect(backend.seen).toHaveLength(6);
  });

  it('fails the run when onResult throws, after in-flight work settles', async () => {
    const backend = new FakeBackend(() => ({ ms: 10 }), 2);
    const run = runScheduler(
      batches(4),
      schedulerOptions({
        backend,
        onResult: (id) => {
          if (id === '1') throw new FanoutError('ETASK', 'merge broke', { retryable: false });
        },
      }),
    );
    const assertion = expect(run).rejects.toThrow('merge broke');
    await vi.runAllTimersAsync();
    await assertion;
    expect(backend.inFlight).toBe(0);
  });

  it('fails the run cleanly when onProgress throws, instead of an unhandled rejection and a hang', async () => {
    // Prepare: the callback breaks once a batch has finished (called from a settled attempt's promise callback)
    const backend = new FakeBackend(() => ({ ms: 10 }), 2);
    let calls = 0;
    const run = runScheduler(
      batches(4),
      schedulerOptions({
        backend,
        onResult: () => {},
        onProgress: ({ done }) => {
          if (done >= 1) {
            calls++;
            throw new Error('progress bar broke');
          }
        },
      }),
    );
    // Act
    const assertion = expect(run).rejects.toMatchObject({
      code: 'EINPUT',
      message: 'onProgress callback threw: progress bar broke',
    });
    await vi.runAllTimersAsync();
    // Assess
    await assertion;
    expect(backend.inFlight).toBe(0);
    expect(calls).toBe(1);
  });

  it('reports an error thrown by the source', async () => {
    const backend = new FakeBackend(() => ({ ms: 10 }));
    function* source() {
      yield { id: '0', batch: 0 };
      throw new FanoutError('EINPUT', 'bad input in split');
    }
    const run = runScheduler(source(), schedulerOptions({ backend, onResult: () => {} }));
    const assertion = expect(run).rejects.toMatchObject({ code: 'EINPUT', message: 'bad input in split' });
    await vi.runAllTimersAsync();
    await assertion;
  });
});
