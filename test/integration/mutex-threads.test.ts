import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  type CounterValues,
  countersConsistent,
  SharedCounters,
} from '../../orchestrator/accumulators/shared-counters.js';

/** The compiled module the threads import: worker threads run JavaScript, so this suite needs `npm run build`. */
const COUNTERS_JS = new URL('../../dist/orchestrator/accumulators/shared-counters.js', import.meta.url).href;

/**
 * Each thread: wait for the start flag, then `m` updates of several fields at once. With `unlocked`, the same
 * SharedCounters code runs with a lock that lets everyone in (the test-only construction; no product flag).
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.module).then(({ SharedCounters }) => {
  const noLock = { withLock: (fn) => fn() };
  const counters = workerData.unlocked
    ? new SharedCounters({ buffer: workerData.buffer }, noLock)
    : new SharedCounters({ buffer: workerData.buffer });
  const gate = new Int32Array(workerData.gate);
  Atomics.wait(gate, 0, 0);
  for (let i = 0; i < workerData.m; i++) {
    const bytes = (i % 7) + 1;
    counters.add({ attempts: 1, status2xx: 1, docs: 1, bytes });
  }
  parentPort.postMessage('done');
});
`;

const THREADS = 4;
const M = 50_000;

/** Runs THREADS threads × M updates on one set of counters; resolves with the final snapshot. */
async function hammer(counters: SharedCounters, unlocked = false): Promise<CounterValues> {
  const gate = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: THREADS },
    () =>
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: COUNTERS_JS, buffer: counters.handle.buffer, gate, m: M, unlocked },
      }),
  );
  const done = workers.map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      }),
  );
  await Promise.all(workers.map((w) => new Promise((r) => w.once('online', r))));
  // Release every thread at once so their updates overlap as much as the cores allow.
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
  await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));
  return counters.snapshot();
}

/** Byte total one thread adds: Σ (i % 7 + 1) over i < M. */
const BYTES_PER_THREAD = Array.from({ length: M }, (_, i) => (i % 7) + 1).reduce((a, b) => a + b, 0);

describe('SharedCounters across worker threads', () => {
  it('with the lock: exact totals and the invariants hold', async () => {
    // Prepare
    const counters = SharedCounters.create();
    // Act
    const s = await hammer(counters);
    // Assess
    expect(s.attempts).toBe(THREADS * M);
    expect(s.status2xx).toBe(THREADS * M);
    expect(s.docs).toBe(THREADS * M);
    expect(s.bytes).toBe(THREADS * BYTES_PER_THREAD);
    expect(countersConsistent(s)).toBe(true);
  });

  it('without the lock (the same code given a no-op lock): concurrent threads lose updates', async () => {
    // Prepare / Act: several tries, since one try may by chance not interleave on a busy 2-core machine.
    const lost: number[] = [];
    for (let attempt = 0; attempt < 5 && lost.length === 0; attempt++) {
      const counters = SharedCounters.create();
      const s = await hammer(counters, true);
      const missing = THREADS * M - s.attempts + (THREADS * BYTES_PER_THREAD - s.bytes);
      if (missing > 0) lost.push(missing);
    }
    // Assess: a no-op lock makes this fail, because then the first test would not be protected either.
    expect(lost.length).toBeGreaterThan(0);
    expect(lost[0]).toBeGreaterThan(0);
  });
});
