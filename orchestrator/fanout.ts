import { randomUUID } from 'node:crypto';
import { AsyncAccumulator } from './accumulators/async-accumulator.js';
import { type Backend, type BackendName, sameTaskRef } from './backends/backend.js';
import { createBackend, parseBackendName } from './backends/create-backend.js';
import { resolveTask } from './bundle/resolve-task.js';
import { FanoutError, inputError } from './errors.js';
import { openRunJournal, skipJournaled } from './journal/fanout-journal.js';
import { checkNonNegativeInt, checkPositiveInt, checkWorkers, defaultWorkers, type FanoutOptions } from './options.js';
import { redactUrl } from './redact-url.js';
import { type QueuedBatch, runScheduler, type SchedulerProgress } from './scheduler/scheduler.js';
import type { RunStats } from './stats.js';
import { collectStats, DEFAULT_MAX_RECORDS_PER_STAGE, StatsCollector } from './stats-collector.js';
import { builtinTasks } from './tasks/registry.js';
import type { AnyTask, SplitContext, TaskRef } from './tasks/task.js';

/** Resolves a task argument (bundling module tasks); see {@link resolveTask}. */
export { resolveTask } from './bundle/resolve-task.js';

/** What {@link fanout} resolves with. */
export interface FanoutResult<R = unknown> {
  result: R;
  stats: RunStats;
}

function describeRef(ref: TaskRef): string {
  return ref.kind === 'builtin' ? `\`${ref.name}\`` : `module ${ref.source ?? ref.path}`;
}

/** JSON size of a batch, in bytes, as it would go on the wire. */
function payloadBytes(batch: unknown): number {
  return Buffer.byteLength(JSON.stringify(batch) ?? 'null');
}

/**
 * Batches of `task` for `input`, with stable ids. A batch too large for the backend (`maxPayloadBytes`, 6 MB on
 * Lambda) is subdivided with the task's `subdivide` before it is ever sent; ids of the pieces extend the parent's.
 */
async function* batchesOf(
  task: AnyTask,
  input: unknown,
  ctx: SplitContext,
  maxPayloadBytes: number | undefined,
): AsyncGenerator<QueuedBatch> {
  let index = 0;
  try {
    const split = task.split(input, ctx);
    if (!isIterable(split)) {
      throw new FanoutError(
        'ETASK',
        `split of task \`${task.name}\` must return an iterable of batches, got \`${split === null ? 'null' : typeof split}\``,
        { retryable: false },
      );
    }
    for await (const batch of split as AsyncIterable<unknown>) {
      const id = String(index++);
      if (maxPayloadBytes === undefined) {
        yield { id, batch };
        continue;
      }
      yield* fitPayload(task, id, batch, maxPayloadBytes);
    }
  } catch (err) {
    throw splitError(task, err);
  }
}

function isIterable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const v = value as Record<symbol, unknown>;
  return typeof v[Symbol.iterator] === 'function' || typeof v[Symbol.asyncIterator] === 'function';
}

/**
 * An error out of the task's own `split` is the task's fault, like one out of `map`: ETASK naming the task, not
 * retried (the split cannot be resumed). Fanout's own errors (EINPUT from a task's checks, EPAYLOAD) and aborts pass.
 */
function splitError(task: AnyTask, err: unknown): unknown {
  if (err instanceof FanoutError || (err instanceof Error && err.name === 'AbortError')) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FanoutError('ETASK', `split of task \`${task.name}\` failed: ${message}`, {
    cause: err,
    retryable: false,
  });
}

/**
 * Backpressure from the merges: the next batch is pulled (and so dispatched) only while fewer than `limit` merges are
 * pending. A task whose async merge is slower than its batches (a database) then slows dispatch down instead of letting
 * finished partials pile up in memory; a synchronous merge never waits here.
 */
async function* withMergeRoom(
  source: AsyncGenerator<QueuedBatch>,
  accumulator: AsyncAccumulator<unknown>,
  limit: () => number,
  signal: AbortSignal,
): AsyncGenerator<QueuedBatch> {
  try {
    for (;;) {
      // a synchronous merge never leaves anything pending: no wait (and no promise) per batch then
      const max = limit();
      if (!accumulator.hasRoom(max) || signal.aborted) await accumulator.room(max, signal);
      const step = await source.next();
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await source.return(undefined);
  }
}

function* fitPayload(task: AnyTask, id: string, batch: unknown, max: number): Generator<QueuedBatch> {
  if (payloadBytes(batch) <= max) {
    yield { id, batch };
    return;
  }
  const parts = task.subdivide?.(batch) ?? [];
  if (parts.length < 2) {
    throw new FanoutError(
      'EPAYLOAD',
      `batch ${id} is ${payloadBytes(batch)} bytes, over the backend's ${max}-byte payload limit, and task \`${task.name}\` cannot subdivide it; use a smaller --batch-size`,
      { batchId: id, retryable: false },
    );
  }
  for (let i = 0; i < parts.length; i++) yield* fitPayload(task, `${id}.${i}`, parts[i], max);
}

/**
 * `source` with its first step already asked for (`first`): that step, then the rest as it comes. A plain iterator,
 * not a generator wrapping the generator: one promise hop fewer per batch.
 */
function afterFirst<T>(first: Promise<IteratorResult<T>>, source: AsyncGenerator<T>): AsyncIterable<T> {
  let pending: Promise<IteratorResult<T>> | undefined = first;
  const iterator: AsyncIterator<T> = {
    next: () => {
      const step = pending ?? source.next();
      pending = undefined;
      return step;
    },
    return: async () => {
      pending = undefined;
      return source.return(undefined);
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/** The task's own count of its batches, if it has one (a count that throws is ignored: the split reports the error). */
function expectedBatches(task: AnyTask, input: unknown, ctx: SplitContext): number | undefined {
  try {
    const n = task.countBatches?.(input, ctx);
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Progress with the total filled in from the task's count until the scheduler knows the real one (its split ran out);
 * dropped again if more batches finish than counted (oversize batches subdivided on the way).
 */
function progressWithTotal(
  onProgress: (p: SchedulerProgress) => void,
  expected: number | undefined,
): (p: SchedulerProgress) => void {
  if (expected === undefined) return onProgress;
  return (p) => onProgress(p.total === undefined && p.done <= expected ? { ...p, total: expected } : p);
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
  const workers = options.workers === undefined ? defaultWorkers() : checkWorkers('workers', options.workers);
  if (options.batchSize !== undefined) checkPositiveInt('batchSize', options.batchSize);
  if (options.queueDepth !== undefined) checkPositiveInt('queueDepth', options.queueDepth);
  // NaN or Infinity retries would retry a failing batch forever; a negative or NaN timeout would silently disable it
  if (options.timeoutMs !== undefined) checkNonNegativeInt('timeoutMs', options.timeoutMs);
  if (options.retries !== undefined) checkNonNegativeInt('retries', options.retries);
  if (options.throttleRetries !== undefined) checkNonNegativeInt('throttleRetries', options.throttleRetries);
  const backendName = typeof options.backend === 'object' ? options.backend.name : (options.backend ?? 'process');
  const resolved = await resolveTask(task, { bundleObjects: backendName !== 'inline' });
  let backend: Backend;
  let owned = false;
  if (typeof options.backend === 'object') {
    backend = options.backend;
    const started = backend.startedTask;
    if (started && !sameTaskRef(started, resolved.ref)) {
      // its workers loaded another task: mapping with that one and merging with this one would be silently wrong
      throw inputError(
        `The ${backend.name} backend was started for task ${describeRef(started)}, not ${describeRef(resolved.ref)}; start a backend for this task`,
      );
    }
  } else {
    const name: BackendName = parseBackendName(options.backend ?? 'process');
    if (name !== 'inline' && resolved.ref.kind === 'builtin' && builtinTasks.get(resolved.ref.name) !== resolved.task) {
      throw inputError(
        `Task \`${resolved.task.name}\` was not made with defineTask in a module file; pass its module path`,
      );
    }
    backend = await createBackend(name, { ...options, workers });
    owned = true;
  }
  const { task: t } = resolved;
  // Every merge goes through here, sync or async: one at a time, in arrival order, each batch id once.
  const accumulator = new AsyncAccumulator<R>(t.init() as R, (acc, partial) => t.merge(acc, partial) as R | Promise<R>);
  const onRecord = options.onRecord;
  const collector: StatsCollector = new StatsCollector(
    backend.name,
    'cpu',
    DEFAULT_MAX_RECORDS_PER_STAGE,
    onRecord && ((r) => onRecord(r, { backend: backend.name, startedAt: collector.startedAt })),
  );
  let journal: Awaited<ReturnType<typeof openRunJournal>>;
  try {
    const maxPayload = (backend as { maxPayloadBytes?: number }).maxPayloadBytes;
    // before the backend starts: a foreign or damaged journal is refused without forking anything
    journal = await openRunJournal(options, resolved.ref, input, accumulator as AsyncAccumulator<unknown>, collector, {
      batchSize: options.batchSize,
      maxPayloadBytes: maxPayload,
      workers: backend.parallelism?.() ?? backend.capacity(),
    });
    // The split gets its own signal so an async split (a fetch stage) stops when the run fails or is aborted.
    const splitAbort = new AbortController();
    const onOuterAbort = (): void => splitAbort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    // Progress: the scheduler's counts, with the live stage counters; a finished fetch redraws it too.
    let lastProgress: SchedulerProgress = { done: 0, total: undefined, inFlight: 0, retries: 0 };
    let userProgress: FanoutOptions['onProgress'];
    const progress = (p: SchedulerProgress): void => {
      lastProgress = p;
      const stages = collector.liveStages();
      userProgress?.(stages ? { ...p, stages } : p);
    };
    let progressFailed = false;
    const stageProgress = (): void => {
      if (!options.onProgress || progressFailed) return;
      try {
        progress(lastProgress);
      } catch (err) {
        progressFailed = true;
        const message = err instanceof Error ? err.message : String(err);
        splitAbort.abort(new FanoutError('EINPUT', `onProgress callback threw: ${message}`, { retryable: false }));
      }
    };
    const splitCtx: SplitContext = {
      batchSize: options.batchSize,
      workers: journal?.identity.splitWorkers ?? backend.parallelism?.() ?? backend.capacity(),
      signal: splitAbort.signal,
      runId: randomUUID(),
      record: (r) => {
        collector.stage(r);
        stageProgress();
      },
      fail: (item, reason) => {
        if (journal?.itemFailed(item, reason) !== false) collector.fail(item, reason);
      },
      counters: (stage, read) => collector.counters(stage, read),
      // the run's clock starts at the split's first timed work, or when the backend is ready, whichever comes first
      begin: () => collector.begin(),
      ...(journal ? { reproducible: true, merged: (position: number) => journal?.has(String(position)) === true } : {}),
    };
    userProgress =
      options.onProgress && progressWithTotal(options.onProgress, expectedBatches(resolved.task, input, splitCtx));
    // A merge that fails stops the run like a batch that fails: the scheduler sees it as an abort with that error.
    const mergeAbort = new AbortController();
    const schedSignal = options.signal ? AbortSignal.any([options.signal, mergeAbort.signal]) : mergeAbort.signal;
    const split = batchesOf(resolved.task, input, splitCtx, maxPayload);
    const source = withMergeRoom(
      journal ? skipJournaled(split, journal) : split,
      accumulator as AsyncAccumulator<unknown>,
      () => Math.max(1, backend.capacity()),
      splitAbort.signal,
    );
    // The split starts now, while the backend starts: a fetch stage boots its threads, reads its list and fetches in
    // the meantime (starting the run's clock with ctx.begin), instead of a thread start-up after the backend's.
    const first = source.next();
    first.catch(() => {}); // read by the scheduler below, or dropped when the start fails
    if (owned) {
      try {
        await backend.start({
          task: resolved.ref,
          instance: resolved.task,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (err) {
        options.signal?.removeEventListener('abort', onOuterAbort);
        splitAbort.abort(err);
        await first.catch(() => {});
        await source.return(undefined);
        throw err;
      }
    }
    collector.begin();
    const sched = await runScheduler(afterFirst(first, source), {
      backend,
      timeoutMs: options.timeoutMs ?? 600_000,
      retries: options.retries ?? 2,
      throttleRetries: options.throttleRetries ?? 8,
      speculate: options.speculate ?? backend.name === 'hybrid',
      signal: schedSignal,
      ...(options.onProgress ? { onProgress: progress } : {}),
      onResult: (id, outcome) => {
        if (accumulator.has(id)) {
          throw new FanoutError('EINTERNAL', `batch ${id} was delivered twice by the scheduler`);
        }
        accumulator.add(id, outcome.partial).then(
          (merged) => {
            if (merged) journal?.batchMerged(id);
          },
          (err: unknown) => mergeAbort.abort(err),
        );
      },
      onAttempt: (report) => collector.attempt(report),
      onFailure: (err) => splitAbort.abort(err),
      ...(resolved.task.subdivide ? { subdivide: (b: unknown) => resolved.task.subdivide?.(b) } : {}),
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
        options.signal?.removeEventListener('abort', onOuterAbort);
        splitAbort.abort();
        await journal?.close();
      });
    const merged = accumulator.value;
    const result = (resolved.task.finalize ? resolved.task.finalize(merged, input) : merged) as R;
    const stats = collectStats(collector, sched, accumulator.duplicates);
    const dropped = (backend as { droppedSides?(): RunStats['droppedSides'] }).droppedSides?.() ?? [];
    if (dropped.length > 0) stats.droppedSides = dropped.map((d) => ({ side: d.side, reason: redactUrl(d.reason) }));
    if (journal?.resumed) stats.resumed = journal.resumed;
    return { result, stats };
  } finally {
    if (owned) await backend.stop();
  }
}
