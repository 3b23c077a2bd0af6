/**
 * `fanout()`: one run, as a few named steps — resolve (options, task, backend: run/resolve-run.ts), open (accumulator,
 * stats, journal, split context: run/open-run.ts), the batch source (split, subdivide, journal skip, merge room:
 * run/batch-source.ts), schedule (scheduler/), finish (result and stats).
 */
import type { Backend } from './backends/backend.js';
import { FanoutError } from './errors.js';
import type { FanoutOptions } from './options.js';
import { redactUrl } from './redact-url.js';
import { batchSource, primed } from './run/batch-source.js';
import { type OpenedRun, openRun } from './run/open-run.js';
import { type ResolvedRun, resolveRun } from './run/resolve-run.js';
import { expectedBatches } from './run/run-progress.js';
import { piecesOf } from './run/subdivide.js';
import { runScheduler, type SchedulerResult } from './scheduler/scheduler.js';
import type { RunStats } from './stats.js';
import { collectStats } from './stats-collector.js';
import type { AnyTask, TaskRef } from './tasks/task.js';

/** Resolves a task argument (bundling module tasks); see {@link resolveTask}. */
export { resolveTask } from './bundle/resolve-task.js';

/** What {@link fanout} resolves with. */
export interface FanoutResult<R = unknown> {
  result: R;
  stats: RunStats;
}

/**
 * Runs `task` on `input`: splits it into batches, runs them on the chosen backend with bounded in-flight work, retries
 * and timeouts, merges partials as they arrive (each batch id once) and returns the result with run statistics.
 *
 * @example
 * const { result, stats } = await fanout('primes', { limit: 1e7 }, { backend: 'process', workers: 2 });
 */
export async function fanout<R = unknown>(
  task: AnyTask | TaskRef | string,
  input: unknown,
  options: FanoutOptions = {},
): Promise<FanoutResult<R>> {
  const r = await resolveRun(task, options);
  try {
    const run = await openRun(r, input);
    const sched = await schedule(r, run, input);
    return finish<R>(r, run, input, sched);
  } finally {
    if (r.owned) await r.backend.stop();
  }
}

/**
 * Starts the split, then the backend (the split runs meanwhile: a fetch stage boots its threads, reads its list and
 * fetches, starting the run's clock with ctx.begin), then schedules every batch and waits for the last merge.
 */
async function schedule(r: ResolvedRun, run: OpenedRun, input: unknown): Promise<SchedulerResult> {
  const { backend, options } = r;
  const { accumulator, journal } = run;
  const source = batchSource({
    task: r.task.task,
    input,
    ctx: run.ctx,
    maxPayloadBytes: backend.maxPayloadBytes,
    journal,
    accumulator,
    mergeRoom: () => Math.max(1, backend.capacity()),
  });
  const { batches, first } = primed(source);
  if (r.owned) await startBackend(r, run, input, first, source);
  run.collector.begin();
  // A merge that fails stops the run like a batch that fails: the scheduler sees it as an abort with that error.
  const mergeAbort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, mergeAbort.signal]) : mergeAbort.signal;
  const task = r.task.task;
  return runScheduler(batches, {
    backend,
    timeoutMs: r.run.timeoutMs,
    retries: r.run.retries,
    throttleRetries: r.run.throttleRetries,
    speculate: options.speculate ?? backend.name === 'hybrid',
    signal,
    ...(run.progress.scheduler ? { onProgress: run.progress.scheduler } : {}),
    onResult: (id, outcome) => {
      if (accumulator.has(id)) throw new FanoutError('EINTERNAL', `batch ${id} was delivered twice by the scheduler`);
      accumulator.add(id, outcome.partial).then(
        (merged) => {
          if (merged) journal?.batchMerged(id);
        },
        (err: unknown) => mergeAbort.abort(err),
      );
    },
    onAttempt: (report) => run.collector.attempt(report),
    onFailure: (err) => run.stopSplit(err),
    ...(task.subdivide ? { subdivide: (b: { id: string; batch: unknown }) => piecesOf(task, b.id, b.batch) } : {}),
  })
    .then(async (result) => {
      // the last partials may still be merging (an async merge): the result is complete only once they are
      await accumulator.idle(options.signal);
      return result;
    })
    .catch((err: unknown) => {
      // keep what finished: the caller can report or resume from the partial result
      if (err instanceof FanoutError && err.partial === undefined) {
        err.partial = { result: accumulator.value, batchesMerged: accumulator.size };
      }
      throw err;
    })
    .finally(async () => {
      run.close();
      run.stopSplit();
      await journal?.close();
    });
}

/** Starts an owned backend; when it cannot start, the split already running is stopped and drained first. */
async function startBackend(
  r: ResolvedRun,
  run: OpenedRun,
  input: unknown,
  first: Promise<unknown>,
  source: AsyncGenerator<unknown>,
): Promise<void> {
  const backend: Backend = r.backend;
  const batches = expectedBatches(r.task.task, input, run.ctx);
  try {
    await backend.start({
      task: r.task.ref,
      instance: r.task.task,
      ...(r.options.signal ? { signal: r.options.signal } : {}),
      ...(batches !== undefined ? { batches } : {}),
    });
  } catch (err) {
    run.close();
    run.stopSplit(err);
    await first.catch(() => {});
    await source.return(undefined);
    throw err;
  }
}

/** The result (finalized by the task) and the run's statistics. */
function finish<R>(r: ResolvedRun, run: OpenedRun, input: unknown, sched: SchedulerResult): FanoutResult<R> {
  const merged = run.accumulator.value;
  const task = r.task.task;
  const result = (task.finalize ? task.finalize(merged, input) : merged) as R;
  const stats = collectStats(run.collector, sched, run.accumulator.duplicates);
  const dropped = r.backend.droppedSides?.() ?? [];
  if (dropped.length > 0) stats.droppedSides = dropped.map((d) => ({ side: d.side, reason: redactUrl(d.reason) }));
  if (run.journal?.resumed) stats.resumed = run.journal.resumed;
  return { result, stats };
}
