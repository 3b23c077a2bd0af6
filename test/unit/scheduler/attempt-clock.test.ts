import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  AttemptClock,
  AttemptHandle,
  Backend,
  BatchJob,
  BatchOutcome,
} from '../../../orchestrator/backends/backend.js';
import { type AttemptReport, runScheduler } from '../../../orchestrator/scheduler/scheduler.js';
import { batches, schedulerOptions } from '../../helpers/fake-backend.js';

interface Queued {
  job: BatchJob;
  clock: AttemptClock | undefined;
  resolve(o: BatchOutcome): void;
  reject(err: unknown): void;
}

/**
 * One worker that holds `depth` batches and runs them one at a time, like a pooled backend with a queue: it tells the
 * scheduler `queued` when a batch arrives and `started` when the worker begins it.
 */
class QueueingBackend implements Backend {
  readonly name = 'queueing';
  readonly #depth: number;
  readonly #ms: (job: BatchJob) => number;
  readonly #queue: Queued[] = [];
  #running: Queued | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(depth: number, ms: (job: BatchJob) => number) {
    this.#depth = depth;
    this.#ms = ms;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  capacity(): number {
    return this.#depth;
  }

  runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    const clock: AttemptClock = attempt;
    const signal = attempt.signal;
    clock.queued();
    return new Promise((resolve, reject) => {
      const q: Queued = { job, clock, resolve, reject };
      signal.addEventListener('abort', () => {
        // the running batch: "kill the worker" and go on with the next; a queued one just leaves the queue
        if (this.#running === q) {
          clearTimeout(this.#timer);
          this.#running = undefined;
          queueMicrotask(() => this.#next());
        } else this.#queue.splice(this.#queue.indexOf(q), 1);
        reject(signal.reason);
      });
      this.#queue.push(q);
      this.#next();
    });
  }

  #next(): void {
    if (this.#running) return;
    const head = this.#queue.shift();
    if (!head) return;
    this.#running = head;
    head.clock?.started();
    this.#timer = setTimeout(() => {
      this.#running = undefined;
      head.resolve({ partial: head.job.batch, workerId: 'w0' });
      this.#next();
    }, this.#ms(head.job));
  }
}

describe('attempt clock of a queueing backend', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times each attempt from its start, not from when it was queued', async () => {
    // Prepare: 4 batches of 300 ms queued at once on one worker, a 500 ms timeout (the last one waits 900 ms)
    const backend = new QueueingBackend(4, () => 300);
    const reports: AttemptReport[] = [];
    // Act
    const run = runScheduler(
      batches(4),
      schedulerOptions({
        backend,
        timeoutMs: 500,
        onResult: () => {},
        onAttempt: (r) => reports.push(r),
      }),
    );
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess: nothing timed out, and each attempt starts where the previous one ended
    expect(summary).toEqual({ batches: 4, retries: 0, speculated: 0 });
    const t0 = Math.min(...reports.map((r) => r.startedAt));
    expect(reports.map((r) => [r.job.id, r.startedAt - t0, r.endedAt - t0])).toEqual([
      ['0', 0, 300],
      ['1', 300, 600],
      ['2', 600, 900],
      ['3', 900, 1200],
    ]);
  });

  it('still times out an attempt that overruns once started', async () => {
    // Prepare: batch 1 takes 2 s on its first attempt
    const backend = new QueueingBackend(4, (job) => (job.id === '1' && job.attempt === 1 ? 2_000 : 100));
    const reports: AttemptReport[] = [];
    // Act
    const run = runScheduler(
      batches(3),
      schedulerOptions({
        backend,
        timeoutMs: 500,
        backoff: { baseMs: 10 },
        onResult: () => {},
        onAttempt: (r) => reports.push(r),
      }),
    );
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess: one timeout, of batch 1, counted from its start (100 ms after the run began)
    expect(summary.retries).toBe(1);
    const timedOut = reports.filter((r) => r.error?.code === 'ETIMEOUT');
    expect(timedOut.map((r) => r.job.id)).toEqual(['1']);
    const first = reports.find((r) => r.job.id === '0') as AttemptReport;
    const cut = timedOut[0] as AttemptReport;
    expect(cut.startedAt).toBe(first.endedAt);
    expect(cut.endedAt - cut.startedAt).toBeGreaterThanOrEqual(500);
    expect(cut.endedAt - cut.startedAt).toBeLessThanOrEqual(530);
  });
});
