import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  AbortListener,
  AttemptHandle,
  Backend,
  BatchJob,
  BatchOutcome,
} from '../../../orchestrator/backends/backend.js';
import { type FanoutError, isFanoutError } from '../../../orchestrator/errors.js';
import { type AttemptReport, runScheduler, type SchedulerOptions } from '../../../orchestrator/scheduler/scheduler.js';
import { batches, crash, schedulerOptions } from '../../helpers/fake-backend.js';

/** How one attempt behaves once a worker begins it. */
interface Plan {
  /** Run time, ms. */
  ms: number;
  /** Fail with this after `ms` instead of succeeding. */
  error?: FanoutError;
  /** A worker that cannot be stopped: told to cancel, it goes on and replies when done (a late reply). */
  ignoresCancel?: boolean;
}

/** What a batch merges: which attempt of it produced the partial. */
interface Merged {
  id: string;
  attempt: number;
  speculative: boolean;
}

/** One attempt the fake holds, from `runAttempt` until it settles; it is its own cancel listener. */
class Held implements AbortListener {
  /** Times the scheduler called the listener (cancel of a running attempt). */
  cancels = 0;
  /** Times the attempt's AbortSignal fired while the attempt waited for a worker. */
  signalAborts = 0;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly onSignalAbort = (): void => {
    this.signalAborts++;
    this.#onSignalAbort(this);
  };
  readonly #onCancel: (h: Held) => void;
  readonly #onSignalAbort: (h: Held) => void;

  constructor(
    readonly job: BatchJob,
    readonly handle: AttemptHandle,
    readonly plan: Plan,
    readonly resolve: (o: BatchOutcome) => void,
    readonly reject: (err: unknown) => void,
    hooks: { cancel(h: Held): void; signalAbort(h: Held): void },
  ) {
    this.#onCancel = hooks.cancel;
    this.#onSignalAbort = hooks.signalAbort;
  }

  handleEvent(): void {
    this.cancels++;
    this.#onCancel(this);
  }
}

/**
 * A pool of `workers` running one batch each, holding `depth` batches per worker, driven only through `runAttempt` the
 * way the pooled and Lambda backends are: a batch that must wait for a worker calls `queued()` and is cancelled through
 * the attempt's `signal` (as LambdaBackend waits for a slot); a worker that begins one calls `started()` and hears of
 * its cancellation through `listen`/`unlisten`. A cancelled worker frees its slot `killMs` later, as a killed worker
 * takes a while to exit.
 */
class AttemptBackend implements Backend {
  readonly name = 'attempt-fake';
  /** Every attempt handed to the backend, in order. */
  readonly attempts: Held[] = [];
  readonly #workers: number;
  readonly #depth: number;
  readonly #script: (job: BatchJob) => Plan;
  readonly #killMs: number;
  readonly #running = new Set<Held>();
  readonly #waiting: Held[] = [];

  constructor(opts: { workers: number; depth: number; killMs?: number; script: (job: BatchJob) => Plan }) {
    this.#workers = opts.workers;
    this.#depth = opts.depth;
    this.#script = opts.script;
    this.#killMs = opts.killMs ?? 0;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  capacity(): number {
    return this.#workers * this.#depth;
  }

  /** Batches a worker is running now, and batches waiting for one. */
  get busy(): { running: number; waiting: number } {
    return { running: this.#running.size, waiting: this.#waiting.length };
  }

  /** The attempts of batch `id`, in order. */
  of(id: string): Held[] {
    return this.attempts.filter((h) => h.job.id === id);
  }

  runAttempt(job: BatchJob, handle: AttemptHandle): Promise<BatchOutcome> {
    if (handle.aborted) return Promise.reject(handle.reason);
    return new Promise<BatchOutcome>((resolve, reject) => {
      const held = new Held(job, handle, this.#script(job), resolve, reject, {
        cancel: (h) => this.#cancelled(h),
        signalAbort: (h) => {
          this.#waiting.splice(this.#waiting.indexOf(h), 1);
          h.reject(h.handle.reason);
        },
      });
      this.attempts.push(held);
      if (this.#running.size < this.#workers) {
        this.#begin(held);
        return;
      }
      handle.queued();
      handle.signal.addEventListener('abort', held.onSignalAbort, { once: true });
      this.#waiting.push(held);
    });
  }

  #begin(held: Held): void {
    held.handle.signal.removeEventListener('abort', held.onSignalAbort);
    this.#running.add(held);
    held.handle.started();
    held.handle.listen(held);
    held.timer = setTimeout(() => this.#finish(held), held.plan.ms);
  }

  #finish(held: Held): void {
    held.handle.unlisten(held);
    this.#running.delete(held);
    const { job, plan } = held;
    if (plan.error) held.reject(plan.error);
    else {
      const partial: Merged = { id: job.id, attempt: job.attempt, speculative: job.speculative === true };
      held.resolve({ partial, workerId: 'w' });
    }
    this.#next();
  }

  #cancelled(held: Held): void {
    if (held.plan.ignoresCancel) return;
    clearTimeout(held.timer);
    const exited = (): void => {
      this.#running.delete(held);
      held.reject(held.handle.reason);
      this.#next();
    };
    if (this.#killMs > 0) setTimeout(exited, this.#killMs);
    else exited();
  }

  #next(): void {
    while (this.#running.size < this.#workers) {
      const head = this.#waiting.shift();
      if (!head) return;
      this.#begin(head);
    }
  }
}

/** A run of the scheduler on `backend`, recording what it merged and every attempt it reported, ms from its start. */
function startRun(
  backend: AttemptBackend,
  n: number,
  opts: Partial<Omit<SchedulerOptions, 'backend' | 'onResult' | 'onAttempt'>> = {},
) {
  const t0 = Date.now();
  const merged = new Map<string, Merged[]>();
  const reports: AttemptReport[] = [];
  const run = runScheduler(
    batches(n),
    schedulerOptions({
      backend,
      ...opts,
      onResult: (id, outcome) => merged.set(id, [...(merged.get(id) ?? []), outcome.partial as Merged]),
      onAttempt: (r) => reports.push(r),
    }),
  );
  /** Each report as [id, attempt, start, end, what happened], start and end in ms from the run's start. */
  const timeline = () =>
    reports.map((r) => [
      r.job.id,
      r.job.attempt,
      r.startedAt - t0,
      r.endedAt - t0,
      r.cancelled ? (r.outcome ? 'late reply' : 'cancelled') : (r.error?.code ?? 'ok'),
    ]);
  return { run, merged, reports, timeline, t0 };
}

/** The partial merged for each batch id: fails unless each id was merged exactly once. */
function mergedOnce(merged: Map<string, Merged[]>): Record<string, Merged> {
  for (const [id, partials] of merged) expect(partials, `batch ${id} merged ${partials.length} times`).toHaveLength(1);
  return Object.fromEntries([...merged].map(([id, [p]]) => [id, p as Merged]));
}

const first = (id: string, attempt = 1): Merged => ({ id, attempt, speculative: false });

describe('runAttempt: the scheduler with a backend that uses its whole AttemptHandle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts the timeout from started(), not from when the batch was queued', async () => {
    // Prepare: one worker holding 3 batches of 400 ms, a 500 ms timeout: the third waits 800 ms before it starts
    const backend = new AttemptBackend({ workers: 1, depth: 3, script: () => ({ ms: 400 }) });
    // Act
    const { run, merged, timeline } = startRun(backend, 3, { timeoutMs: 500 });
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess: no attempt timed out, each started when the worker began it, each batch merged once
    expect(summary).toEqual({ batches: 3, retries: 0, speculated: 0 });
    expect(timeline()).toEqual([
      ['0', 1, 0, 400, 'ok'],
      ['1', 1, 400, 800, 'ok'],
      ['2', 1, 800, 1200, 'ok'],
    ]);
    expect(mergedOnce(merged)).toEqual({ '0': first('0'), '1': first('1'), '2': first('2') });
    expect(backend.attempts.map((h) => h.cancels + h.signalAborts)).toEqual([0, 0, 0]);
  });

  it('cuts an attempt timeoutMs after it started, frees its worker for the next batch, and retries it', async () => {
    // Prepare: one worker holding 2; batch 1 overruns on its first attempt; retries wait 100 ms
    const backend = new AttemptBackend({
      workers: 1,
      depth: 2,
      script: (job) => ({ ms: job.id === '0' ? 300 : job.id === '2' ? 50 : job.attempt === 1 ? 10_000 : 100 }),
    });
    // Act
    const { run, merged, timeline } = startRun(backend, 3, {
      timeoutMs: 500,
      backoff: { baseMs: 100 },
      random: () => 1,
    });
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess: batch 1 is cut 500 ms after its start (300), not after its queueing (0); batch 2, queued behind it for
    // 500 ms, starts on the freed worker at once; the retry runs after its 100 ms backoff
    expect(summary).toEqual({ batches: 3, retries: 1, speculated: 0 });
    expect(timeline()).toEqual([
      ['0', 1, 0, 300, 'ok'],
      ['1', 1, 300, 800, 'ETIMEOUT'],
      ['2', 1, 800, 850, 'ok'],
      ['1', 2, 900, 1000, 'ok'],
    ]);
    expect(mergedOnce(merged)).toEqual({ '0': first('0'), '1': first('1', 2), '2': first('2') });
    expect(backend.of('1').map((h) => [h.cancels, h.signalAborts])).toEqual([
      [1, 0],
      [0, 0],
    ]);
    expect(backend.busy).toEqual({ running: 0, waiting: 0 });
  });

  it('retries a failing attempt with exponential backoff, with a fresh handle each time', async () => {
    // Prepare: batch 1 crashes twice, then succeeds; backoff 100 ms doubling, no jitter
    const backend = new AttemptBackend({
      workers: 2,
      depth: 1,
      script: (job) => (job.id === '1' && job.attempt < 3 ? { ms: 50, error: crash() } : { ms: 50 }),
    });
    // Act
    const { run, merged, timeline } = startRun(backend, 2, {
      retries: 2,
      backoff: { baseMs: 100, maxMs: 1000 },
      random: () => 1,
    });
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess: attempts at 0, 50 + 100, 200 + 200; the last one's partial is the one merged
    expect(summary).toEqual({ batches: 2, retries: 2, speculated: 0 });
    expect(timeline()).toEqual([
      ['0', 1, 0, 50, 'ok'],
      ['1', 1, 0, 50, 'ECRASH'],
      ['1', 2, 150, 200, 'ECRASH'],
      ['1', 3, 400, 450, 'ok'],
    ]);
    expect(mergedOnce(merged)).toEqual({ '0': first('0'), '1': first('1', 3) });
    const handles = backend.of('1').map((h) => h.handle);
    expect(new Set(handles).size).toBe(3);
    expect(backend.attempts.every((h) => h.cancels === 0 && h.signalAborts === 0)).toBe(true);
  });

  it('on abort cancels each attempt once, running and waiting, frees every worker and merges nothing more', async () => {
    // Prepare: 2 workers holding 2 each, batches of 100 ms; a killed worker takes 30 ms to exit
    const backend = new AttemptBackend({ workers: 2, depth: 2, killMs: 30, script: () => ({ ms: 100 }) });
    const controller = new AbortController();
    const { run, merged, timeline } = startRun(backend, 10, { signal: controller.signal });
    const settled = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(250);
    // Act: batches 4 and 5 are running (since 200), 6 and 7 wait for a worker
    controller.abort();
    await vi.runAllTimersAsync();
    const err = await settled;
    // Assess: ECANCEL once the killed workers exited; the running attempts heard their listener once, the waiting ones
    // their signal once; nothing was merged after the abort and nothing more was started
    expect(isFanoutError(err, 'ECANCEL')).toBe(true);
    expect(timeline().slice(4)).toEqual([
      ['6', 1, 200, 250, 'cancelled'],
      ['7', 1, 200, 250, 'cancelled'],
      ['4', 1, 200, 280, 'cancelled'],
      ['5', 1, 200, 280, 'cancelled'],
    ]);
    expect(mergedOnce(merged)).toEqual({ '0': first('0'), '1': first('1'), '2': first('2'), '3': first('3') });
    expect(backend.attempts.map((h) => [h.job.id, h.cancels, h.signalAborts])).toEqual([
      ['0', 0, 0],
      ['1', 0, 0],
      ['2', 0, 0],
      ['3', 0, 0],
      ['4', 1, 0],
      ['5', 1, 0],
      ['6', 0, 1],
      ['7', 0, 1],
    ]);
    expect(backend.busy).toEqual({ running: 0, waiting: 0 });
  });

  it("calls an attempt's cancel listener once, though it takes a while to end and the run is aborted meanwhile", async () => {
    // Prepare: one batch that hangs; a 100 ms timeout swept every 5 ms; a killed worker takes 200 ms to exit
    const backend = new AttemptBackend({ workers: 1, depth: 1, killMs: 200, script: () => ({ ms: 10_000 }) });
    const controller = new AbortController();
    const { run, merged, timeline } = startRun(backend, 1, { timeoutMs: 100, signal: controller.signal });
    const settled = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Act: the timeout cuts it at 100 and 40 sweeps pass over it while its worker exits; the run aborts at 150
    await vi.advanceTimersByTimeAsync(150);
    controller.abort();
    await vi.runAllTimersAsync();
    const err = await settled;
    // Assess: told once, with the first reason; the run ends in ECANCEL, no retry, nothing merged, the worker free
    expect(isFanoutError(err, 'ECANCEL')).toBe(true);
    expect(timeline()).toEqual([['0', 1, 0, 300, 'ETIMEOUT']]);
    expect(backend.attempts.map((h) => [h.cancels, h.signalAborts])).toEqual([[1, 0]]);
    expect(merged.size).toBe(0);
    expect(backend.busy).toEqual({ running: 0, waiting: 0 });
  });

  it('lets a speculative copy win: the original hears its listener once and its late reply is not merged', async () => {
    // Prepare: 2 workers; batch 3's first copy takes 1 s and cannot be stopped, every other attempt 100 ms
    const backend = new AttemptBackend({
      workers: 2,
      depth: 1,
      script: (job) => (job.id === '3' && !job.speculative ? { ms: 1_000, ignoresCancel: true } : { ms: 100 }),
    });
    // Act
    const { run, merged, timeline } = startRun(backend, 4, {
      speculate: true,
      speculateFactor: 1.5,
      speculateMarginMs: 100,
    });
    await vi.runAllTimersAsync();
    const summary = await run;
    // Assess: the median is 100 ms, so batch 3 (started at 100) is a straggler past 300; the 50 ms speculation tick
    // copies it at 350; the copy wins at 450 and is the one merged; the original replies at 1100, reported, not merged
    expect(summary).toEqual({ batches: 4, retries: 0, speculated: 1 });
    expect(timeline()).toEqual([
      ['0', 1, 0, 100, 'ok'],
      ['1', 1, 0, 100, 'ok'],
      ['2', 1, 100, 200, 'ok'],
      ['3', 1, 350, 450, 'ok'],
      ['3', 1, 100, 1100, 'late reply'],
    ]);
    expect(mergedOnce(merged)).toEqual({
      '0': first('0'),
      '1': first('1'),
      '2': first('2'),
      '3': { id: '3', attempt: 1, speculative: true },
    });
    expect(backend.of('3').map((h) => [h.job.speculative === true, h.cancels])).toEqual([
      [false, 1],
      [true, 0],
    ]);
  });
});
