import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchJob } from '../../orchestrator/backends/backend.js';
import type { Lane, LaneEvents } from '../../orchestrator/backends/pool/lane.js';
import { LONG_BATCH_DEPTH } from '../../orchestrator/backends/pool/queue-depth.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { defaultCapacityOn, nproc } from '../helpers/cores-under-affinity.js';
import { runOnce } from '../helpers/run-once.js';
import { WatchedProcessBackend } from '../helpers/watched-pools.js';

/** Real child processes (compiled entry from dist/: run `npm run build` first). */

const exitTask: TaskRef = {
  kind: 'module',
  path: fileURLToPath(new URL('../fixtures/exit-task.js', import.meta.url)),
};
const job = (batch: unknown, id = '0'): BatchJob => ({ id, batch, attempt: 1 });
const never = (): AbortSignal => new AbortController().signal;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of this process's children, from /proc (what `ps --ppid` shows). */
function childPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

const started: ProcessBackend[] = [];
async function startBackend(task: TaskRef, workers: number): Promise<WatchedProcessBackend> {
  const backend = new WatchedProcessBackend({ workers });
  started.push(backend);
  await backend.start({ task });
  return backend;
}
afterEach(async () => {
  for (const b of started.splice(0)) await b.stop();
});

/** A process backend whose children load its task at version `held`, whatever version the caller started it for. */
class HoldingProcessBackend extends ProcessBackend {
  readonly #held: string;

  constructor(held: string) {
    super({ workers: 1 });
    this.#held = held;
  }

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    return super.spawn(entry, { ...ref, version: this.#held } as TaskRef, events);
  }
}

describe('ProcessBackend', () => {
  it('validates workers and defaults to one child per core, each with a small queue', () => {
    // pinned to one core, then to all the OS reports: the default follows the cores, it is not a constant
    expect(defaultCapacityOn(1, 'process/process-backend.js', 'ProcessBackend')).toBe(1);
    expect(defaultCapacityOn(undefined, 'process/process-backend.js', 'ProcessBackend')).toBe(nproc());
    // before any batch has been measured, a worker holds 2 (one running, one queued); tiny batches raise it
    expect(new ProcessBackend({ workers: 2 }).capacity()).toBe(2 * LONG_BATCH_DEPTH);
    expect(() => new ProcessBackend({ workers: 0 })).toThrow('Expected `workers` to be a positive integer, got `0`');
  });

  it('forks every child at start, and stop() (twice) leaves none alive', async () => {
    // Prepare / Act
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 2);
    const pids = backend.watch.pids();
    // Assess
    expect(backend.parallelism()).toBe(2);
    expect(new Set(pids).size).toBe(2);
    expect(pids.every(alive)).toBe(true);
    await backend.stop();
    await backend.stop();
    expect(pids.some(alive)).toBe(false);
    expect(backend.watch.live()).toBe(0);
  });

  it('returns the partial with its lane, CPU time and timing', async () => {
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 2);
    const outcome = await runOnce(backend, job({ lo: 0, hi: 5_000_000 }), never());
    expect(outcome.partial).toEqual({ count: 348_513 });
    expect(outcome.workerId).toMatch(/^process-[01]$/);
    expect(outcome.cpuMs).toBeGreaterThan(0);
    expect(outcome.durationMs).toBeGreaterThan(0);
    expect(outcome.startedAt).toBeLessThanOrEqual(outcome.endedAt as number);
  });

  it('rejects a throwing task with ETASK and the original message', async () => {
    const backend = await startBackend({ kind: 'builtin', name: 'fault' }, 1);
    const run = runOnce(backend, job({ index: 2, ms: 0, fail: true }, '2'), never());
    await expect(run).rejects.toMatchObject({ code: 'ETASK', batchId: '2', message: 'injected failure in batch 2' });
  });

  it('turns a SIGKILLed child into a retryable ECRASH and refills the slot under the same id', async () => {
    // Prepare
    const backend = await startBackend({ kind: 'builtin', name: 'sleep' }, 1);
    const run = runOnce(backend, job({ index: 0, ms: 5_000 }), never());
    const { pid } = await backend.watch.nextBatchStart();
    // Act
    process.kill(pid as number, 'SIGKILL');
    // Assess
    const err = (await run.catch((e: unknown) => e)) as FanoutError;
    expect(err).toBeInstanceOf(FanoutError);
    expect(err.code).toBe('ECRASH');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('SIGKILL');
    expect(err.workerId).toBe('process-0');
    const next = await runOnce(backend, job({ index: 1, ms: 1 }, '1'), never());
    expect(next.workerId).toBe(err.workerId);
    expect(backend.watch.pids()).toHaveLength(1);
    expect(backend.watch.pids()[0]).not.toBe(pid);
  });

  it('refuses a batch of another task version with a final EVERSION, and serves its own version', async () => {
    // Prepare: the run has the task at v2; one pool's child loaded it at v1, the other's at v2
    const stale = new HoldingProcessBackend('v1');
    const current = new HoldingProcessBackend('v2');
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
      workerId: 'process-0',
      message: 'this child process has task exit-task at v1, this run has v2: start a new backend for this task',
    });
    expect(served.partial).toEqual({ ok: 1 });
  });

  it('turns a child that exits on its own mid-batch into ECRASH', async () => {
    const backend = await startBackend(exitTask, 1);
    await expect(runOnce(backend, job({ mode: 'exit' }), never())).rejects.toMatchObject({
      code: 'ECRASH',
      message: expect.stringContaining('exit code 3'),
    });
    await expect(runOnce(backend, job({ mode: 'ok' }, '1'), never())).resolves.toMatchObject({ partial: { ok: 1 } });
  });

  it('aborts a CPU-bound batch at once with the signal reason and kills the child running it', async () => {
    // Prepare: a batch of many seconds that only a kill can stop.
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 1);
    const controller = new AbortController();
    const reason = new FanoutError('ETIMEOUT', 'batch 0 timed out');
    const run = runOnce(backend, job({ lo: 0, hi: 20_000_000_000 }), controller.signal);
    const { pid } = await backend.watch.nextBatchStart();
    // Act
    setTimeout(() => controller.abort(reason), 200);
    const t0 = Date.now();
    await expect(run).rejects.toBe(reason);
    // Assess
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect.poll(() => alive(pid as number), { timeout: 3_000 }).toBe(false);
    const next = await runOnce(backend, job({ lo: 0, hi: 100 }, '1'), never());
    expect(next.partial).toEqual({ count: 25 });
  });

  it('kills a CPU-bound batch that overruns its timeout, retries it, then fails with ETIMEOUT', async () => {
    // Prepare: one batch of many seconds, a 300 ms timeout, one retry.
    const backend = await startBackend({ kind: 'builtin', name: 'primes' }, 1);
    const pidsSeen = new Set<number>();
    const watch = async (): Promise<void> => {
      for (let i = 0; i < 2; i++) pidsSeen.add((await backend.watch.nextBatchStart()).pid as number);
    };
    const watching = watch();
    // Act
    const run = fanout(
      'primes',
      { limit: 20_000_000_000 },
      { backend, batchSize: 20_000_000_000, timeoutMs: 300, retries: 1 },
    );
    // Assess
    await expect(run).rejects.toMatchObject({
      code: 'ETIMEOUT',
      message: expect.stringContaining('after 2 attempts'),
    });
    await watching;
    expect(pidsSeen.size).toBe(2); // each attempt ran in a fresh child: the overrunning one was killed
    await expect.poll(() => [...pidsSeen].some(alive), { timeout: 3_000 }).toBe(false);
  });

  it('leaves no child process behind when a run by name is aborted', async () => {
    // Prepare: only count children this run forks (vitest may reuse this process for other test files).
    const before = new Set(childPids());
    const ours = (): number[] => childPids().filter((pid) => !before.has(pid));
    const controller = new AbortController();
    const run = fanout(
      'sleep',
      { batches: 20, ms: 500 },
      { backend: 'process', workers: 2, signal: controller.signal },
    );
    await expect.poll(() => ours().length, { timeout: 10_000 }).toBe(2);
    // Act
    controller.abort();
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'ECANCEL' });
    expect(ours()).toEqual([]);
  });

  it('lets the process exit when the caller forgets stop()', () => {
    // Act: a real Node process that starts a pool, runs a batch and just returns.
    const script = fileURLToPath(new URL('../fixtures/forgotten-stop.mjs', import.meta.url));
    const child = spawnSync(process.execPath, [script, 'process'], { encoding: 'utf8', timeout: 20_000 });
    // Assess: it ended by itself (a timeout would kill it with SIGTERM), after running the batch
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { workerId: string; pids: number[] };
    expect(out.workerId).toMatch(/^process-[01]$/);
    // and its children noticed the parent was gone and left too
    return expect.poll(() => out.pids.some(alive), { timeout: 5_000 }).toBe(false);
  });
});
