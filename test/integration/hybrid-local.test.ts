import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  AttemptHandle,
  Backend,
  BackendStartContext,
  BatchJob,
  BatchOutcome,
} from '../../orchestrator/backends/backend.js';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { InlineBackend } from '../../orchestrator/backends/inline/inline-backend.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { RunStats } from '../../orchestrator/stats.js';
import { sleep } from '../../orchestrator/tasks/sleep.js';
import { isRunning, waitAllGone } from '../helpers/process-tree.js';
import { WatchedProcessBackend } from '../helpers/watched-pools.js';

/** Every batch id merged exactly once: one `ok` record per id, `expected` ids in all. */
function expectEachBatchOnce(stats: RunStats, expected: number): void {
  const ok = new Map<string, number>();
  for (const r of stats.records)
    if (r.stage === 'cpu' && r.status === 'ok') ok.set(r.batchId, (ok.get(r.batchId) ?? 0) + 1);
  expect(ok.size).toBe(expected);
  expect([...ok.values()].every((n) => n === 1)).toBe(true);
}

/** Backends the tests started: stopped after each test, whether it passed or not. */
const started: Backend[] = [];
/** Process sides among them, whose children are checked by PID. */
const processSides: WatchedProcessBackend[] = [];

afterEach(async () => {
  const pids = processSides.splice(0).flatMap((p) => p.watch.pids());
  for (const b of started.splice(0)) await b.stop();
  // stop() waits for its children to exit; one still running is killed here by its PID, and waited for
  const leftOver = pids.filter(isRunning);
  for (const pid of leftOver) process.kill(pid, 'SIGKILL');
  expect(await waitAllGone(pids)).toEqual([]);
  expect(leftOver).toEqual([]);
});

/**
 * A straggler side: it holds every batch it is given until its attempt is cancelled, then replies anyway, like a slow
 * remote whose late reply arrives after the batch was merged from another side. Its batches therefore end only when a
 * speculative copy elsewhere has won.
 */
class StragglerBackend implements Backend {
  readonly name = 'straggler';
  /** Batch ids it was given. */
  readonly held: string[] = [];
  /** Replies it sent after its attempt was cancelled. */
  lateReplies = 0;
  constructor(readonly slots: number) {}
  async start(_ctx: BackendStartContext): Promise<void> {}
  capacity(): number {
    return this.slots;
  }
  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    const startedAt = Date.now();
    this.held.push(job.id);
    if (!attempt.aborted) await new Promise<void>((resolve) => attempt.listen({ handleEvent: resolve }));
    const partial = await sleep.map(job.batch as { index: number; ms: number }, {
      signal: new AbortController().signal,
    });
    this.lateReplies++;
    return { partial, workerId: 'slow-0', startedAt, endedAt: Date.now() };
  }
  async stop(): Promise<void> {}
}

/** Works for `okJobs` jobs, then every run fails like an unreachable endpoint. */
class DyingBackend implements Backend {
  readonly name = 'dying';
  readonly #inner: InlineBackend;
  #runs = 0;
  constructor(
    slots: number,
    readonly okJobs: number,
  ) {
    this.#inner = new InlineBackend(slots);
  }
  start(ctx: BackendStartContext): Promise<void> {
    return this.#inner.start(ctx);
  }
  capacity(): number {
    return this.#inner.capacity();
  }
  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    if (++this.#runs > this.okJobs) {
      await delay(5);
      throw new FanoutError('ENETWORK', 'connect ECONNREFUSED 127.0.0.1:1', { batchId: job.id });
    }
    return this.#inner.runAttempt(job, attempt);
  }
  stop(): Promise<void> {
    return this.#inner.stop();
  }
}

/** Hangs on its first batch until that attempt is aborted (and rejects with the abort's reason), then works inline. */
class HangOnceBackend implements Backend {
  readonly name = 'hang-once';
  readonly #inner = new InlineBackend(1);
  #hung = false;
  start(ctx: BackendStartContext): Promise<void> {
    return this.#inner.start(ctx);
  }
  capacity(): number {
    return 1;
  }
  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    if (this.#hung) return this.#inner.runAttempt(job, attempt);
    this.#hung = true;
    if (!attempt.aborted) await new Promise<void>((resolve) => attempt.listen({ handleEvent: resolve }));
    throw attempt.reason;
  }
  stop(): Promise<void> {
    return this.#inner.stop();
  }
}

describe('hybrid backend over two local backends', () => {
  it('gives the exact prime count with both sides taking batches', async () => {
    // Prepare: one child process and one worker thread, many small batches so both sides pull work
    const local = new WatchedProcessBackend({ workers: 1 });
    const hybrid = new HybridBackend({ local, remote: new ThreadBackend({ workers: 1 }) });
    started.push(hybrid);
    processSides.push(local);
    await hybrid.start({ task: { kind: 'builtin', name: 'primes' } });

    // Act
    const { result, stats } = await fanout('primes', { limit: 2_000_000 }, { backend: hybrid, batchSize: 100_000 });

    // Assess: π(2·10^6) = 148933
    expect(result).toEqual({ count: 148933 });
    expect(local.watch.pids()).toHaveLength(1); // the child the clean-up checks by its PID
    expect(stats.byBackend.process?.batches).toBeGreaterThan(0);
    expect(stats.byBackend.thread?.batches).toBeGreaterThan(0);
    expect((stats.byBackend.process?.batches ?? 0) + (stats.byBackend.thread?.batches ?? 0)).toBe(20);
    expectEachBatchOnce(stats, 20);
  });

  it('re-runs a straggler on the other side: the copy wins once, the late reply is dropped, not merged', async () => {
    // Prepare: the slow side has one slot and holds its batch until that attempt is cancelled, so exactly one batch
    // straggles, and it can end only by a speculative copy on the fast side winning
    const slow = new StragglerBackend(1);
    const hybrid = new HybridBackend({
      local: new InlineBackend(4),
      remote: slow,
      localSide: 'fast',
      remoteSide: 'slow',
    });
    started.push(hybrid);
    await hybrid.start({ task: { kind: 'builtin', name: 'sleep' } });

    // Act (the timeout only keeps a run without speculation from hanging: its straggler would then win, late, on the
    // slow side, and fail the assertions below)
    const { result, stats } = await fanout(
      'sleep',
      { batches: 24, ms: 20 },
      { backend: hybrid, speculate: true, timeoutMs: 10_000 },
    );

    // Assess: exact totals (a merged late reply would make them 25 batches, 500 ms), one ok per batch id
    expect(result).toEqual({ batches: 24, sleptMs: 480 });
    expectEachBatchOnce(stats, 24);
    expect(slow.held).toHaveLength(1);
    const straggler = slow.held[0] as string;
    // the straggler's copy won on the fast side, the only speculative win; the original's reply came late and was
    // counted as the one duplicate
    const wins = stats.records.filter((r) => r.speculative && r.status === 'ok');
    expect(wins.map((r) => [r.batchId, r.side])).toEqual([[straggler, 'fast']]);
    const attempts = stats.records.filter((r) => r.batchId === straggler);
    expect(attempts.map((r) => [r.side, r.status, r.speculative ?? false]).sort()).toEqual([
      ['fast', 'ok', true],
      ['slow', 'duplicate', false],
    ]);
    expect(slow.lateReplies).toBe(1);
    expect(stats.duplicates).toBe(1);
    // every attempt, cancelled copies included, is drawn on the side it ran on
    expect(stats.records.every((r) => r.side === 'fast' || r.side === 'slow')).toBe(true);
  });

  it('finishes on the healthy side when the other side starts failing mid-run', async () => {
    // Prepare: the dying side serves 3 jobs, then every call fails with ENETWORK
    const dying = new DyingBackend(2, 3);
    const hybrid = new HybridBackend({
      local: new InlineBackend(2),
      remote: dying,
      localSide: 'good',
      remoteSide: 'dying',
    });
    started.push(hybrid);
    await hybrid.start({ task: { kind: 'builtin', name: 'fault' } });

    // Act: fault task with no failing batch; indexSum is exact only if every batch merged once
    const { result, stats } = await fanout(
      'fault',
      { batches: 30, ms: 15, failOn: -1 },
      { backend: hybrid, retries: 2, speculate: false },
    );

    // Assess: 0 + 1 + … + 29 = 435
    expect(result).toEqual({ batches: 30, indexSum: 435 });
    expectEachBatchOnce(stats, 30);
    expect(stats.byBackend.dying?.batches).toBe(3);
    expect(stats.byBackend.good?.batches).toBe(27);
    const faults = stats.records.filter((r) => r.errorCode === 'ENETWORK');
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.every((r) => r.side === 'dying')).toBe(true);
    expect(stats.droppedSides).toEqual([
      { side: 'dying', reason: expect.stringMatching(/^2 side faults in a row, the last: \[ENETWORK\] /) },
    ]);
  });

  it('names the side of an attempt that timed out there in its record', async () => {
    // Prepare: the second batch goes to the hanging side (the first side is full), which holds it past the timeout
    const hybrid = new HybridBackend({
      local: new InlineBackend(1),
      remote: new HangOnceBackend(),
      localSide: 'fast',
      remoteSide: 'hanging',
    });
    started.push(hybrid);
    await hybrid.start({ task: { kind: 'builtin', name: 'sleep' } });

    // Act
    const { result, stats } = await fanout(
      'sleep',
      { batches: 6, ms: 10 },
      { backend: hybrid, timeoutMs: 300, retries: 1, speculate: false },
    );

    // Assess: exact, each batch once, and the timed-out attempt is on the side it ran on, not on `hybrid`
    expect(result).toEqual({ batches: 6, sleptMs: 60 });
    expectEachBatchOnce(stats, 6);
    const failed = stats.records.filter((r) => r.status !== 'ok');
    expect(failed.map((r) => [r.side, r.status, r.errorCode])).toEqual([['hanging', 'error', 'ETIMEOUT']]);
  });

  it('rejects two sides with the same name, naming the problem', () => {
    expect(() => new HybridBackend({ local: new InlineBackend(), remote: new InlineBackend() })).toThrow(
      /different names, got `inline` twice/,
    );
  });
});
