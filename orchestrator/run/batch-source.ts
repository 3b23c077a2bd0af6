/**
 * Where the scheduler's batches come from: the task's split, with stable ids, oversize batches subdivided before they
 * are sent, batches a resumed journal already merged skipped, and backpressure from pending merges. The split starts
 * before the backend does ({@link primed}), so a fetch stage fetches while workers boot.
 */
import type { AsyncAccumulator } from '../accumulators/async-accumulator.js';
import { FanoutError } from '../errors.js';
import { isThenable } from '../is-thenable.js';
import { skipJournaled } from '../journal/fanout-journal.js';
import type { RunJournal } from '../journal/run-journal.js';
import type { QueuedBatch } from '../scheduler/scheduler-types.js';
import type { AnyTask, SplitContext } from '../tasks/task.js';
import { fitPayload } from './subdivide.js';

/** What {@link batchSource} reads from. */
export interface BatchSourceInput {
  task: AnyTask;
  input: unknown;
  ctx: SplitContext;
  /** The backend's payload limit (`Backend.maxPayloadBytes`): bigger batches are subdivided before sending. */
  maxPayloadBytes: number | undefined;
  journal: RunJournal | undefined;
  accumulator: AsyncAccumulator<unknown>;
  /** Most merges pending before the next batch is pulled (the backend's capacity). */
  mergeRoom: () => number;
}

/** The run's batches, in split order, as the scheduler pulls them. */
export function batchSource(s: BatchSourceInput): AsyncGenerator<QueuedBatch> {
  const split = batchesOf(s.task, s.input, s.ctx, s.maxPayloadBytes);
  const left = s.journal ? skipJournaled(split, s.journal) : split;
  return withMergeRoom(left, s.accumulator, s.mergeRoom, s.ctx.signal);
}

/** Batches of `task` for `input`, with stable ids (`0`, `1`, …; pieces of an oversize batch `7.0`, `7.1`, …). */
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
    if (typeof (split as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function') {
      for await (const batch of split as AsyncIterable<unknown>) {
        const id = String(index++);
        if (maxPayloadBytes === undefined) yield { id, batch };
        else yield* fitPayload(task, id, batch, maxPayloadBytes);
      }
      return;
    }
    // A synchronous split (most are) is read as one: `for await` would add a promise and a hop per batch. Its values
    // are still awaited, as `for await` would (a split may yield promises).
    for (const step of split as Iterable<unknown>) {
      const batch = isThenable(step) ? await step : step;
      const id = String(index++);
      if (maxPayloadBytes === undefined) yield { id, batch };
      else yield* fitPayload(task, id, batch, maxPayloadBytes);
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
  signal: AbortSignal | undefined,
): AsyncGenerator<QueuedBatch> {
  try {
    for (;;) {
      // a synchronous merge never leaves anything pending: no wait (and no promise) per batch then
      const max = limit();
      if (!accumulator.hasRoom(max) || signal?.aborted) await accumulator.room(max, signal);
      const step = await source.next();
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await source.return(undefined);
  }
}

/**
 * `source` with its first step asked for now: the split starts at once (while the backend starts), and the scheduler
 * later reads that step, then the rest as it comes. A plain iterator, not a generator wrapping the generator: one
 * promise hop fewer per batch. `first` is for the caller to settle when the run ends before the scheduler starts.
 */
export function primed<T>(source: AsyncGenerator<T>): { batches: AsyncIterable<T>; first: Promise<IteratorResult<T>> } {
  const first = source.next();
  first.catch(() => {}); // read by the scheduler, or dropped when the backend's start fails
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
  return { batches: { [Symbol.asyncIterator]: () => iterator }, first };
}
