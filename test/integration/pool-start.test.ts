import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lane, LaneEvents } from '../../orchestrator/backends/pool/lane.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { forkEarlyChild } from '../../orchestrator/backends/process/process-child.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import { startEarlyThread, takeEarlyThread } from '../../orchestrator/backends/thread/thread-worker.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { runOnce } from '../helpers/run-once.js';
import { WatchedProcessBackend } from '../helpers/watched-pools.js';

/** How a pool starts its real child processes: batches flow once one is ready, and never more children than batches. */

const primes: TaskRef = { kind: 'builtin', name: 'primes' };

/** A process backend whose second child's `ready` is held back until the test releases it. */
class LateSecondChild extends ProcessBackend {
  #spawns = 0;
  release: () => void = () => {};
  #heldNow: () => void = () => {};
  /** Resolves once the second child has said `ready` (and it was held back). */
  readonly readyHeld = new Promise<void>((resolve) => {
    this.#heldNow = resolve;
  });

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    if (this.#spawns++ !== 1) return super.spawn(entry, ref, events);
    let held: LaneEvents | undefined = events;
    let ready: Parameters<LaneEvents['message']>[0] | undefined;
    this.release = () => {
      const to = held;
      held = undefined;
      if (to && ready) to.message(ready);
    };
    return super.spawn(entry, ref, {
      message: (msg) => {
        if (msg.type === 'ready' && held) {
          ready = msg;
          this.#heldNow();
        } else events.message(msg);
      },
      exit: (detail) => events.exit(detail),
    });
  }
}

const started: (ProcessBackend | ThreadBackend)[] = [];
afterEach(async () => {
  for (const b of started.splice(0)) await b.stop();
});

describe('pool start-up', () => {
  it('starts as soon as one child is ready; the late one joins and takes batches once it is', async () => {
    // Prepare: two children, the second one's `ready` held back
    const backend = new LateSecondChild({ workers: 2 });
    started.push(backend);
    await backend.start({ task: primes });
    // Act: batches while only the first child is ready, then after the second one is
    const job = (i: number) => ({ id: String(i), batch: { lo: i * 100_000, hi: (i + 1) * 100_000 }, attempt: 1 });
    const early = await Promise.all([0, 1, 2, 3].map((i) => runOnce(backend, job(i))));
    await backend.readyHeld; // the second child is up: released now, it is ready at once
    backend.release();
    const late = await Promise.all(Array.from({ length: 40 }, (_, i) => runOnce(backend, job(i))));
    // Assess: exact partials; the first four all ran on the ready child, and the late child took some of the rest
    expect(early.map((o) => o.partial)).toEqual([{ count: 9592 }, { count: 8392 }, { count: 8013 }, { count: 7863 }]);
    expect(new Set(early.map((o) => o.workerId))).toEqual(new Set(['process-0']));
    expect(late.map((o) => o.workerId)).toContain('process-1');
  });

  it('forks no more children than the run has batches', async () => {
    // Prepare: 2 workers asked for, a run of one batch
    const backend = new WatchedProcessBackend({ workers: 2 });
    started.push(backend);
    // Act
    const { result } = await fanout('primes', { limit: 1000 }, { backend: 'process', workers: 2 });
    await backend.start({ task: primes, batches: 1 });
    // Assess: the CLI-style run (fanout owns the backend) gave the answer; a start for one batch forked one child
    expect(result).toEqual({ count: 168 });
    expect(backend.parallelism()).toBe(1);
    expect(backend.watch.pids()).toHaveLength(1);
    expect((await runOnce(backend, { id: '0', batch: { lo: 0, hi: 1000 }, attempt: 1 })).partial).toEqual({
      count: 168,
    });
  });

  it('adopts the child forked early (before the task was known), telling it its task by message', async () => {
    // Prepare: what `fanout run … --backend process` does first
    forkEarlyChild();
    // Act
    const backend = new WatchedProcessBackend({ workers: 2 });
    started.push(backend);
    await backend.start({ task: primes });
    const job = (i: number) => ({ id: String(i), batch: { lo: i * 100_000, hi: (i + 1) * 100_000 }, attempt: 1 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => runOnce(backend, job(i))));
    // Assess: one child has no task in its argv (the early one), the other was forked with it; the answers are exact
    const argvs = backend.watch.pids().map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    expect(argvs.map((a) => a.filter(Boolean).length).sort()).toEqual([2, 3]);
    expect(outcomes.slice(0, 2).map((o) => o.partial)).toEqual([{ count: 9592 }, { count: 8392 }]);
    expect(outcomes).toHaveLength(20);
  });

  it('adopts the thread started early (before the task was known), telling it its task by message', async () => {
    // Prepare: what `fanout run … --backend thread` does first
    startEarlyThread();
    // Act
    const backend = new ThreadBackend({ workers: 2 });
    started.push(backend);
    await backend.start({ task: primes });
    const job = (i: number) => ({ id: String(i), batch: { lo: i * 100_000, hi: (i + 1) * 100_000 }, attempt: 1 });
    const lanes = new Set<string>();
    const answers: unknown[] = [];
    // both lanes take batches once both are ready; a thread never told its task would never be
    for (let round = 0; round < 20 && lanes.size < 2; round++) {
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => runOnce(backend, job(i))));
      for (const o of outcomes) lanes.add(o.workerId);
      answers.push(outcomes.slice(0, 2).map((o) => o.partial));
    }
    // Assess: the early thread was taken by the pool (nothing left to take), both lanes ran batches, answers exact
    expect(takeEarlyThread()).toBeUndefined();
    expect([...lanes].sort()).toEqual(['thread-0', 'thread-1']);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify([{ count: 9592 }, { count: 8392 }])]),
    );
  });
});
