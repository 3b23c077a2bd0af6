import { describe, expect, it } from 'vitest';
import { defineTask, fanout } from '../../orchestrator/index.js';
import type { SchedulerProgress } from '../../orchestrator/scheduler/scheduler.js';

/** A pipeline-like task: its split yields one batch, then waits (like a slow fetch) until its signal aborts. */
const stalledSource = defineTask({
  name: 'stalled-source',
  async *split(_input: unknown, { signal }) {
    yield { fail: true };
    await new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(resolve, 30_000);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    signal?.throwIfAborted();
    yield { fail: false };
  },
  map: (b: { fail: boolean }) => {
    if (b.fail) throw new Error('cpu stage broke');
    return 1;
  },
  init: () => 0,
  merge: (a: number, p: number) => a + p,
});

describe('fanout() library API', () => {
  it('returns the result and stats, and reports progress up to the total', async () => {
    const seen: SchedulerProgress[] = [];
    const { result, stats } = await fanout<{ count: number }>(
      'primes',
      { limit: 1_000_000 },
      {
        backend: 'inline',
        batchSize: 100_000,
        onProgress: (p) => seen.push(p),
      },
    );
    expect(result).toEqual({ count: 78_498 });
    expect(stats.batches).toBe(10);
    expect(stats.byBackend.inline?.batches).toBe(10);
    expect(seen.at(-1)).toMatchObject({ done: 10, total: 10, inFlight: 0 });
  });

  it('fails promptly when a batch fails while the source is still waiting for input', async () => {
    const t0 = Date.now();
    await expect(fanout(stalledSource, {}, { backend: 'inline', retries: 0 })).rejects.toMatchObject({
      code: 'ETASK',
      message: expect.stringContaining('cpu stage broke'),
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('rejects bad options with EINPUT naming the option', async () => {
    await expect(fanout('primes', { limit: 10 }, { backend: 'inline', workers: 0 })).rejects.toThrow(
      'Expected `workers` to be a positive integer, got `0`',
    );
    await expect(fanout('primes', { limit: 10 }, { backend: 'inline', batchSize: -3 })).rejects.toMatchObject({
      code: 'EINPUT',
    });
    await expect(fanout('primes', { limit: 10 }, { backend: 'inline', timeoutMs: -1 })).rejects.toThrow(
      'Expected `timeoutMs` to be a non-negative integer, got `-1`',
    );
    await expect(fanout('primes', { limit: 10 }, { backend: 'warp' as never })).rejects.toThrow(
      /Unknown backend `warp`/,
    );
  });

  it('rejects NaN/Infinity retries with EINPUT instead of retrying a failing batch forever', async () => {
    // Prepare: a task whose only batch always throws
    const failing = defineTask({
      name: 'always-fails',
      *split() {
        yield 1;
      },
      map: (): number => {
        throw new Error('nope');
      },
      init: () => 0,
      merge: (a: number, p: number) => a + p,
    });
    // Act + Assess
    for (const retries of [Number.NaN, Number.POSITIVE_INFINITY, 1.5]) {
      await expect(fanout(failing, {}, { backend: 'inline', retries })).rejects.toThrow(
        `Expected \`retries\` to be a non-negative integer, got \`${retries}\``,
      );
    }
  });

  it('refuses to run a task on a backend started for another one (its workers loaded that one)', async () => {
    const { createBackend } = await import('../../orchestrator/backends/create-backend.js');
    const backend = await createBackend('thread', { workers: 1 });
    await backend.start({ task: { kind: 'builtin', name: 'primes' } });
    try {
      await expect(fanout('sleep', { batches: 2, ms: 1 }, { backend })).rejects.toThrow(
        'The thread backend was started for task `primes`, not `sleep`; start a backend for this task',
      );
      // and the same backend still serves the task it was started for
      const { result } = await fanout('primes', { limit: 1000 }, { backend });
      expect(result).toEqual({ count: 168 });
    } finally {
      await backend.stop();
    }
  });

  it('aborting through the signal stops the run with ECANCEL', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(
      fanout('sleep', { batches: 50, ms: 100 }, { backend: 'inline', workers: 2, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ECANCEL' });
  });
});
