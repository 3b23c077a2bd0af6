import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Lane, LaneEvents } from '../../orchestrator/backends/pool/lane.js';
import { LONG_BATCH_DEPTH } from '../../orchestrator/backends/pool/queue-depth.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { FromFarSide, ToFarSide } from '../../orchestrator/far-side/pool-messages.js';
import { DEFAULTS } from '../../orchestrator/options.js';
import type { BatchRecord } from '../../orchestrator/stats.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { isRunning, waitAllGone } from '../helpers/process-tree.js';
import { WatchedProcessBackend, WatchedThreadBackend } from '../helpers/watched-pools.js';

/** Pipelined dispatch on real workers: several batches queued per worker, with exact answers and honest records. */

const TASK = fileURLToPath(new URL('../fixtures/pipeline-task.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fanout-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tmpFile = (name: string): string => join(dir, `${files++}-${name}`);

/**
 * Kills a worker from outside (SIGKILL for a child, terminate for a thread), as the OOM killer would, at a moment the
 * test knows: the main side has heard that the worker began batch `batchId`, the worker holds at least one more batch
 * queued behind it, and `inside()` says the far side is inside that batch's map (a kill any earlier could land before
 * the map has begun, or halfway through writing its marker).
 */
class WorkerKiller {
  /** Ids of the batches the killed worker held queued behind `batchId` when it was killed. */
  queuedBehind: string[] | undefined;

  constructor(
    readonly batchId: string,
    readonly inside: () => boolean,
  ) {}

  /** Starts a lane with `start`, watching what is sent to it and what it answers. */
  watch(start: (events: LaneEvents) => Lane, events: LaneEvents): Lane {
    const held = new Map<number, string>(); // seq → batch id, sent to this worker and not answered yet
    let begun: number | undefined; // seq of `batchId` once this worker said it started it
    let exited = false;
    const killIfDue = (): void => {
      if (this.queuedBehind || exited || begun === undefined) return;
      const behind = [...held].filter(([seq]) => seq !== begun).map(([, id]) => id);
      if (behind.length === 0) return;
      // the batch never ends on its own: wait for its map to get where it hangs
      if (!this.inside()) {
        setTimeout(killIfDue, 5);
        return;
      }
      this.queuedBehind = behind;
      inner.kill(true);
    };
    const heard = (msg: FromFarSide): void => {
      const replies = msg.type === 'replies' ? msg.replies : 'seq' in msg ? [msg] : [];
      for (const r of replies) {
        if (r.type !== 'started') held.delete(r.seq);
        else if (held.get(r.seq) === this.batchId && !this.queuedBehind) begun = r.seq;
      }
    };
    const inner = start({
      message: (msg) => {
        events.message(msg); // the pool hears it first: the batch's start is recorded before the kill
        heard(msg);
        killIfDue();
      },
      exit: (detail) => {
        exited = true;
        events.exit(detail);
      },
    });
    return {
      pid: inner.pid,
      send: (msg: ToFarSide) => {
        inner.send(msg);
        for (const r of msg.type === 'runs' ? msg.runs : [msg]) held.set(r.seq, r.batchId ?? String(r.seq));
        killIfDue();
      },
      kill: (hard) => inner.kill(hard),
      setBusy: (busy) => inner.setBusy(busy),
    };
  }
}

/** A watched thread backend whose workers a {@link WorkerKiller} watches too. */
class KillingThreadBackend extends WatchedThreadBackend {
  constructor(
    readonly killer: WorkerKiller,
    workers: number,
    queueDepth: number,
  ) {
    super({ workers, queueDepth });
  }
  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    return this.killer.watch((watched) => super.spawn(entry, ref, watched), events);
  }
}

/** A watched process backend whose children a {@link WorkerKiller} watches too. */
class KillingProcessBackend extends WatchedProcessBackend {
  constructor(
    readonly killer: WorkerKiller,
    workers: number,
    queueDepth: number,
  ) {
    super({ workers, queueDepth });
  }
  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    return this.killer.watch((watched) => super.spawn(entry, ref, watched), events);
  }
}

type Pooled = WatchedThreadBackend | WatchedProcessBackend;
type MakeKilling = (killer: WorkerKiller, workers: number, queueDepth: number) => Pooled;
const kinds: [string, (workers: number, queueDepth?: number) => Pooled, MakeKilling][] = [
  [
    'thread',
    (workers, queueDepth) => new WatchedThreadBackend({ workers, ...(queueDepth ? { queueDepth } : {}) }),
    (killer, workers, queueDepth) => new KillingThreadBackend(killer, workers, queueDepth),
  ],
  [
    'process',
    (workers, queueDepth) => new WatchedProcessBackend({ workers, ...(queueDepth ? { queueDepth } : {}) }),
    (killer, workers, queueDepth) => new KillingProcessBackend(killer, workers, queueDepth),
  ],
];

const started: (Pooled | CountingThreadBackend)[] = [];
async function startPool(make: (w: number, k: number) => Pooled, workers: number, queueDepth: number) {
  const backend = make(workers, queueDepth);
  started.push(backend);
  await backend.start({ task: { kind: 'module', path: TASK } });
  return backend;
}
afterEach(async () => {
  const pids = started.flatMap((b) => ('watch' in b ? b.watch.pids() : []));
  for (const b of started.splice(0)) await b.stop();
  // stop() waits for its children to exit; one still running is killed here by its PID, and waited for
  const leftOver = pids.filter(isRunning);
  for (const pid of leftOver) process.kill(pid, 'SIGKILL');
  expect(await waitAllGone(pids)).toEqual([]);
  expect(leftOver).toEqual([]);
});

/** Sum 0 + 1 + … + (n - 1): the exact answer when every batch merged once. */
const sumTo = (n: number): number => (n * (n - 1)) / 2;

function byBatch(records: BatchRecord[]): Map<string, BatchRecord[]> {
  const out = new Map<string, BatchRecord[]>();
  for (const r of records) out.set(r.batchId, [...(out.get(r.batchId) ?? []), r]);
  return out;
}

describe.each(kinds)('pipelined dispatch on %s', (_name, make, makeKilling) => {
  it('starts each record when its worker begins it: a queued batch starts after the previous one ended', async () => {
    // Prepare: one worker, batches of 100 ms, several sent ahead
    const backend = await startPool(make, 1, 4);
    // Act
    const { result, stats } = await fanout<{ n: number; sum: number }>(TASK, { batches: 6, ms: 100 }, { backend });
    // Assess
    expect(result).toEqual({ n: 6, sum: sumTo(6) });
    const lane = stats.records.filter((r) => r.stage === 'cpu').sort((a, b) => a.startMs - b.startMs);
    expect(lane).toHaveLength(6);
    for (let i = 1; i < lane.length; i++) {
      const [prev, cur] = [lane[i - 1] as BatchRecord, lane[i] as BatchRecord];
      expect(cur.startMs).toBeGreaterThanOrEqual(prev.endMs);
    }
    // the bars are the batches' runs (≈ 100 ms each), not zero-length marks at their ends: starts and ends are when
    // the main side heard of them, so on a loaded machine one bar may shrink, but not all
    expect(Math.max(...lane.map((r) => r.endMs - r.startMs))).toBeGreaterThanOrEqual(50);
  });

  it('times out the batch a worker is running with batches queued behind it: exact answer, one retry', async () => {
    // Prepare: tiny batches (so the full queue depth is in use), batch 30 hangs the first time it runs
    const backend = await startPool(make, 1, 8);
    const marker = tmpFile('hang');
    // Act
    const { result, stats } = await fanout<{ n: number; sum: number }>(
      TASK,
      { batches: 60, hangOn: 30, marker },
      { backend, timeoutMs: 1_000, retries: 2 },
    );
    // Assess: each batch merged once; only the hung batch was retried; the ones queued behind it never failed
    expect(result).toEqual({ n: 60, sum: sumTo(60) });
    expect(stats.retries).toBe(1);
    expect(stats.duplicates).toBe(0);
    const attempts = byBatch(stats.records.filter((r) => r.stage === 'cpu'));
    expect(attempts.get('30')?.map((r) => [r.attempt, r.status, r.errorCode])).toEqual([
      [1, 'error', 'ETIMEOUT'],
      [2, 'ok', undefined],
    ]);
    for (const [id, rs] of attempts) {
      if (id !== '30') expect(rs.map((r) => [r.attempt, r.status])).toEqual([[1, 'ok']]);
    }
  });

  it('requeues the batches queued on a worker that dies: exact answer, none counted twice', async () => {
    // Prepare: batch 30 hangs the first time it runs (after writing its marker), and its worker is killed while it
    // runs batch 30, once the main side has heard that it began it, with batches queued behind it
    const marker = tmpFile('hang');
    const killer = new WorkerKiller('30', () => existsSync(marker) && readFileSync(marker, 'utf8') === '30');
    const backend = makeKilling(killer, 1, 8);
    started.push(backend);
    await backend.start({ task: { kind: 'module', path: TASK } });
    // Act
    const { result, stats } = await fanout<{ n: number; sum: number }>(
      TASK,
      { batches: 60, hangOn: 30, marker },
      { backend, retries: 2 },
    );
    // Assess: the crash cost batch 30 exactly one attempt; the batches queued behind it went back to the pool without
    // an attempt counted, and each batch was merged once
    expect(readFileSync(marker, 'utf8')).toBe('30');
    const behind = killer.queuedBehind ?? [];
    expect(behind.length).toBeGreaterThan(0);
    expect(result).toEqual({ n: 60, sum: sumTo(60) });
    expect(stats.retries).toBe(1);
    expect(stats.duplicates).toBe(0);
    const attempts = byBatch(stats.records.filter((r) => r.stage === 'cpu'));
    expect(attempts.get('30')?.map((r) => [r.attempt, r.status, r.errorCode])).toEqual([
      [1, 'error', 'ECRASH'],
      [2, 'ok', undefined],
    ]);
    expect(attempts.size).toBe(60);
    for (const [id, rs] of attempts) {
      if (id !== '30') expect(rs.map((r) => [r.attempt, r.status])).toEqual([[1, 'ok']]);
    }
  });

  it('stops everything on abort with full queues: no batch starts afterwards', async () => {
    // Prepare: 2 workers; 20 tiny batches first, so the full depth is in use when the 150 ms ones are queued
    const backend = await startPool(make, 2, 8);
    const log = tmpFile('log');
    const controller = new AbortController();
    const run = fanout(TASK, { batches: 80, slowFrom: 20, slowMs: 150, log }, { backend, signal: controller.signal });
    await expect.poll(() => readFileSync(log, 'utf8').split('\n').length, { timeout: 10_000 }).toBeGreaterThan(23);
    // Act
    controller.abort();
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess: ECANCEL, and no worker goes on with what was queued on it
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).code).toBe('ECANCEL');
    const startsAtAbort = readFileSync(log, 'utf8');
    await new Promise((r) => setTimeout(r, 600));
    expect(readFileSync(log, 'utf8')).toBe(startsAtAbort);
    await expect.poll(() => backend.watch.live(), { timeout: 5_000 }).toBe(2);
  });
});

/** A thread backend that counts the batches and messages it sends (the lanes are real threads). */
class CountingThreadBackend extends ThreadBackend {
  messages = 0;
  batchesSent = 0;
  largestMessage = 0;

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    const lane = super.spawn(entry, ref, events);
    const send = lane.send.bind(lane);
    return {
      ...lane,
      pid: lane.pid,
      send: (msg: ToFarSide) => {
        const n = msg.type === 'runs' ? msg.runs.length : 1;
        this.messages++;
        this.batchesSent += n;
        this.largestMessage = Math.max(this.largestMessage, n);
        send(msg);
      },
    };
  }
}

describe('grouping tiny batches', () => {
  it.each(kinds)(
    '%s: the default depth follows the batches: deep while they are tiny, 2 once they take 20 ms',
    async (_name, make) => {
      // Prepare: the default queue depth (no option), 2 workers; 300 no-op batches, then 20 of 20 ms
      const backend = make(2);
      started.push(backend);
      await backend.start({ task: { kind: 'module', path: TASK } });
      const before = backend.capacity();
      let deepest = 0;
      // Act
      const { result } = await fanout<{ n: number; sum: number }>(
        TASK,
        { batches: 320, slowFrom: 300, slowMs: 20 },
        { backend, onProgress: () => (deepest = Math.max(deepest, backend.capacity())) },
      );
      // Assess: exact, deep in the tiny stretch, back to 2 per worker after the slow batches
      expect(result).toEqual({ n: 320, sum: sumTo(320) });
      expect(before).toBe(2 * LONG_BATCH_DEPTH);
      expect(deepest).toBe(2 * DEFAULTS.queueDepth);
      expect(backend.capacity()).toBe(2 * LONG_BATCH_DEPTH);
    },
  );

  it('sends several tiny batches per message with the same answer and one record per batch', async () => {
    // Prepare
    const backend = new CountingThreadBackend({ workers: 2, queueDepth: 8 });
    started.push(backend);
    await backend.start({ task: { kind: 'module', path: TASK } });
    // Act
    const { result, stats } = await fanout<{ n: number; sum: number }>(TASK, { batches: 500 }, { backend });
    // Assess: exact, each batch id recorded once as a first attempt, and fewer messages than batches
    expect(result).toEqual({ n: 500, sum: sumTo(500) });
    const records = stats.records.filter((r) => r.stage === 'cpu');
    expect(new Set(records.map((r) => r.batchId)).size).toBe(500);
    expect(records.every((r) => r.attempt === 1 && r.status === 'ok')).toBe(true);
    expect(backend.batchesSent).toBe(500);
    expect(backend.largestMessage).toBeGreaterThan(1);
    expect(backend.messages).toBeLessThan(500);
    for (const lane of ['thread-0', 'thread-1']) {
      const bars = records.filter((r) => r.workerId === lane).sort((a, b) => a.startMs - b.startMs);
      for (let i = 1; i < bars.length; i++) {
        expect((bars[i] as BatchRecord).startMs).toBeGreaterThanOrEqual((bars[i - 1] as BatchRecord).endMs);
      }
    }
  });
});
