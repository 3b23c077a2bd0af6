import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchJob } from '../../orchestrator/backends/backend.js';
import type { Lane, LaneEvents } from '../../orchestrator/backends/pool/lane.js';
import { LONG_BATCH_DEPTH } from '../../orchestrator/backends/pool/queue-depth.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import { farSideEntry, farSideEntryPath } from '../../orchestrator/far-side/entry-path.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { defaultCapacityOn, nproc } from '../helpers/cores-under-affinity.js';
import { runOnce } from '../helpers/run-once.js';
import { WatchedThreadBackend } from '../helpers/watched-pools.js';

/** Real worker threads (compiled entry from dist/: run `npm run build` first). */

const exitTask: TaskRef = {
  kind: 'module',
  path: fileURLToPath(new URL('../fixtures/exit-task.js', import.meta.url)),
};
const job = (batch: unknown, id = '0'): BatchJob => ({ id, batch, attempt: 1 });
const never = (): AbortSignal => new AbortController().signal;

const started: ThreadBackend[] = [];
async function startBackend(task: TaskRef, workers: number): Promise<WatchedThreadBackend> {
  const backend = new WatchedThreadBackend({ workers });
  started.push(backend);
  await backend.start({ task });
  return backend;
}
afterEach(async () => {
  for (const b of started.splice(0)) await b.stop();
});

/** A thread backend whose workers load its task at version `held`, whatever version the caller started it for. */
class HoldingThreadBackend extends ThreadBackend {
  readonly #held: string;

  constructor(held: string) {
    super({ workers: 1 });
    this.#held = held;
  }

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    return super.spawn(entry, { ...ref, version: this.#held } as TaskRef, events);
  }
}

describe('far-side entry path', () => {
  it('maps a source module to its compiled entry in dist/', () => {
    expect(farSideEntryPath('file:///repo/orchestrator/backends/thread/thread-backend.ts', 'thread-entry')).toBe(
      '/repo/dist/orchestrator/backends/thread/thread-entry.js',
    );
  });

  it('keeps a compiled module next to its entry', () => {
    expect(farSideEntryPath('file:///repo/dist/orchestrator/backends/thread/thread-backend.js', 'thread-entry')).toBe(
      '/repo/dist/orchestrator/backends/thread/thread-entry.js',
    );
  });

  it('tells to run the build when the compiled entry is missing', () => {
    expect(() => farSideEntry('file:///nowhere/orchestrator/backends/x/x-backend.ts', 'x-entry')).toThrow(
      /\/nowhere\/dist\/orchestrator\/backends\/x\/x-entry\.js not found.*npm run build/,
    );
  });
});

describe('ThreadBackend', () => {
  it('validates workers and defaults to one thread per core, each with a small queue', () => {
    // pinned to one core, then to all the OS reports: the default follows the cores, it is not a constant
    expect(defaultCapacityOn(1, 'thread/thread-backend.js', 'ThreadBackend')).toBe(1);
    expect(defaultCapacityOn(undefined, 'thread/thread-backend.js', 'ThreadBackend')).toBe(nproc());
    // before any batch has been measured, a worker holds 2 (one running, one queued); tiny batches raise it
    expect(new ThreadBackend({ workers: 2 }).capacity()).toBe(2 * LONG_BATCH_DEPTH);
    expect(new ThreadBackend({ workers: 3, queueDepth: 2 }).capacity()).toBe(6);
    expect(() => new ThreadBackend({ queueDepth: 0 })).toThrow(
      'Expected `queueDepth` to be a positive integer, got `0`',
    );
    expect(() => new ThreadBackend({ workers: 1.5 })).toThrow('Expected `workers` to be a positive integer, got `1.5`');
  });

  it('starts every thread at start, and stop() (twice) leaves none alive', async () => {
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 2);
    expect(backend.watch.live()).toBe(2);
    await backend.stop();
    await backend.stop();
    expect(backend.watch.live()).toBe(0);
  });

  it('returns the partial with its lane, busy time and timing', async () => {
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 2);
    const outcome = await runOnce(backend, job({ lo: 0, hi: 5_000_000 }), never());
    expect(outcome.partial).toEqual({ count: 348_513 });
    expect(outcome.workerId).toMatch(/^thread-[01]$/);
    expect(outcome.cpuMs).toBeGreaterThan(0);
    expect(outcome.durationMs).toBeGreaterThan(0);
  });

  it('rejects a throwing task with ETASK and the original message', async () => {
    const backend = await startBackend({ kind: 'builtin', name: 'fault' }, 1);
    const run = runOnce(backend, job({ index: 5, ms: 0, fail: true }, '5'), never());
    // the failed attempt names its lane, so the report draws its bar in that worker's lane (not an `unknown` one)
    await expect(run).rejects.toMatchObject({
      code: 'ETASK',
      batchId: '5',
      message: 'injected failure in batch 5',
      workerId: 'thread-0',
    });
  });

  it('turns a terminated thread into a retryable ECRASH and refills the slot under the same id', async () => {
    // Prepare
    const backend = await startBackend({ kind: 'builtin', name: 'sleep' }, 1);
    const run = runOnce(backend, job({ index: 0, ms: 5_000 }), never());
    const busy = await backend.watch.nextBatchStart();
    // Act
    await busy.kill();
    // Assess
    const err = (await run.catch((e: unknown) => e)) as FanoutError;
    expect(err).toBeInstanceOf(FanoutError);
    expect(err.code).toBe('ECRASH');
    expect(err.retryable).toBe(true);
    expect(err.workerId).toBe('thread-0');
    const next = await runOnce(backend, job({ index: 1, ms: 1 }, '1'), never());
    expect(next.workerId).toBe(err.workerId);
    expect(backend.watch.live()).toBe(1);
  });

  it('turns a thread that exits or throws outside the map into ECRASH', async () => {
    const backend = await startBackend(exitTask, 1);
    await expect(runOnce(backend, job({ mode: 'exit' }), never())).rejects.toMatchObject({
      code: 'ECRASH',
      message: expect.stringContaining('exit code 3'),
    });
    await expect(runOnce(backend, job({ mode: 'throw-async' }, '1'), never())).rejects.toMatchObject({
      code: 'ECRASH',
      message: expect.stringContaining('boom outside the map'),
    });
    await expect(runOnce(backend, job({ mode: 'ok' }, '2'), never())).resolves.toMatchObject({ workerId: 'thread-0' });
  });

  it('aborts a CPU-bound batch at once with the signal reason and terminates the thread running it', async () => {
    // Prepare: a batch of many seconds that only terminating the thread can stop.
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 1);
    const controller = new AbortController();
    const reason = new FanoutError('ECANCEL', 'cancelled by the test');
    const run = runOnce(backend, job({ lo: 0, hi: 20_000_000_000 }), controller.signal);
    await backend.watch.nextBatchStart();
    // Act
    setTimeout(() => controller.abort(reason), 200);
    const t0 = Date.now();
    await expect(run).rejects.toBe(reason);
    // Assess: if the old thread were still sieving, two would be alive until it finished
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect.poll(() => backend.watch.live(), { timeout: 3_000 }).toBe(1);
    const next = await runOnce(backend, job({ lo: 0, hi: 100 }, '1'), never());
    expect(next.partial).toEqual({ count: 25 });
  });

  it('refuses a batch of another task version with a final EVERSION, and serves its own version', async () => {
    // Prepare: the run has the task at v2; one pool's thread loaded it at v1, the other's at v2
    const stale = new HoldingThreadBackend('v1');
    const current = new HoldingThreadBackend('v2');
    started.push(stale, current);
    await stale.start({ task: { ...exitTask, version: 'v2' } });
    await current.start({ task: { ...exitTask, version: 'v2' } });
    // Act
    const refused = await runOnce(stale, job({ mode: 'ok' }), never()).catch((e: unknown) => e);
    const served = await runOnce(current, job({ mode: 'ok' }), never());
    // Assess: never an answer from the other version, and not retried
    expect(refused).toBeInstanceOf(FanoutError);
    expect(refused).toMatchObject({
      code: 'EVERSION',
      retryable: false,
      batchId: '0',
      workerId: 'thread-0',
      message: 'this worker thread has task exit-task at v1, this run has v2: start a new backend for this task',
    });
    expect(served.partial).toEqual({ ok: 1 });
  });

  it('runs a whole primes job by name with one lane per thread', async () => {
    const { result, stats } = await fanout('primes', { limit: 10_000_000 }, { backend: 'thread', workers: 2 });
    expect(result).toEqual({ count: 664_579 });
    expect(Object.keys(stats.byWorker).every((id) => /^thread-[01]$/.test(id))).toBe(true);
  });

  it('lets the process exit when the caller forgets stop()', () => {
    // Act: a real Node process that starts a pool, runs a batch and just returns.
    const script = fileURLToPath(new URL('../fixtures/forgotten-stop.mjs', import.meta.url));
    const child = spawnSync(process.execPath, [script, 'thread'], { encoding: 'utf8', timeout: 20_000 });
    // Assess: it ended by itself (a timeout would kill it with SIGTERM), after running the batch
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { workerId: string; pids: number[] };
    expect(out.workerId).toMatch(/^thread-[01]$/);
  });
});
