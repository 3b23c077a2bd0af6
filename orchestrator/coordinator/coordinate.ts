/**
 * The cloud coordinator: the durable function body that does what `fanout()` does on the caller's machine — split,
 * fan the batches out to the worker function, merge — with every step checkpointed by the durable execution engine, so
 * the run outlives the caller. It holds the task like the worker does (same bundle, same EVERSION handshake) and never
 * runs a batch itself: each one is a durable invoke of the worker, whose serve code is the far side every backend uses.
 */
import { type DurableContext, NestingType } from '@aws/durable-execution-sdk-js';
import { FanoutError, type FanoutErrorCode, isFanoutError } from '../errors.js';
import { checkHeld } from '../far-side/serve-batch.js';
import type { TaskShelf } from '../far-side/task-shelf.js';
import { describeIssues } from '../far-side/wire.js';
import { lambdaErrorFrom } from '../far-side/wire-error.js';
import type { AnyTask } from '../tasks/task.js';
import {
  type CoordinatorEvent,
  CoordinatorEventSchema,
  type CoordinatorOutput,
  OPERATION_NAMES,
} from './coordinator-wire.js';
import { planGroups } from './engine-limits.js';
import { type BatchOutcome, invokeBatch } from './invoke-batch.js';
import { type GroupResult, initialState, mergeGroup, type RunState } from './merge-group.js';
import { checkSameSplit, splitBatches } from './split-batches.js';
import { decodeState } from './state-codec.js';

/** The coordinator's body for `withDurableExecution`: a run's event in, its result and statistics out. */
export type CoordinatorBody = (event: unknown, ctx: DurableContext) => Promise<CoordinatorOutput>;

/**
 * The coordinator over the tasks `shelf` holds, invoking `workerFunction` (name or ARN) for every batch. Whatever ends
 * the run is thrown as {@link lambdaErrorFrom}'s error, so its fanout code reaches the caller in the execution's error.
 */
export function coordinate(shelf: TaskShelf, workerFunction: string): CoordinatorBody {
  return async (event, ctx) => {
    try {
      return await run(shelf, workerFunction, parseEvent(event), ctx);
    } catch (err) {
      throw lambdaErrorFrom(
        isFanoutError(err) ? err : new FanoutError('ETASK', err instanceof Error ? err.message : String(err)),
      );
    }
  };
}

function parseEvent(event: unknown): CoordinatorEvent {
  const parsed = CoordinatorEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new FanoutError(
      'EINPUT',
      `Invalid coordinator event, expected { task, version, input, batchSize?, concurrency, retries }: ${describeIssues(parsed.error.issues)}`,
      { retryable: false },
    );
  }
  return parsed.data;
}

async function run(
  shelf: TaskShelf,
  workerFunction: string,
  ev: CoordinatorEvent,
  ctx: DurableContext,
): Promise<CoordinatorOutput> {
  const task = await checkHeld(shelf, ev).load();
  const startedAt = await ctx.step(OPERATION_NAMES.begin, async () => Date.now());
  // split is not a step: a replay splits again (cheap, and the batches would not fit one checkpoint); the digest below
  // proves it split the same way
  const split = await splitBatches(task, ev.input, ev.batchSize, ev.concurrency);
  const plan = planGroups(split.batches.length, ev.concurrency);
  const recorded = await ctx.step(OPERATION_NAMES.split, async () => ({
    count: split.batches.length,
    digest: split.digest,
    ...plan,
  }));
  checkSameSplit(task.name, recorded, split);
  await probeWorker(ctx, workerFunction, ev);
  let state = initialState(task);
  for (let g = 0; g < plan.groups; g++) {
    const from = g * plan.groupSize;
    const items = split.batches.slice(from, from + plan.groupSize);
    const before = state;
    const result = await ctx.runInChildContext(OPERATION_NAMES.group(g), async (gctx): Promise<GroupResult> => {
      const outcomes = await gctx.map(
        'invoke',
        items,
        (ictx, batch, i) =>
          invokeBatch(
            ictx,
            workerFunction,
            { task: ev.task, version: ev.version, batchId: String(from + i), batch },
            ev.retries,
          ),
        { maxConcurrency: ev.concurrency, nesting: NestingType.FLAT },
      );
      const done = outcomes.all.map((item, i): BatchOutcome => item.result ?? lostItem(String(from + i), item.error));
      return gctx.step('merge', () => mergeGroup(task, before, done));
    });
    if ('error' in result) {
      throw new FanoutError(result.error.code as FanoutErrorCode, result.error.message, { retryable: false });
    }
    state = result.state;
  }
  const wallMs = await ctx.step(OPERATION_NAMES.finish, async () => Date.now() - startedAt);
  return output(task, ev, decodeState(state) as RunState, wallMs, plan);
}

/** One probe before any batch: the worker must hold this exact task version (a probe maps nothing). */
async function probeWorker(ctx: DurableContext, workerFunction: string, ev: CoordinatorEvent): Promise<void> {
  try {
    await ctx.invoke(OPERATION_NAMES.probe, workerFunction, {
      task: ev.task,
      version: ev.version,
      batchId: 'probe',
      batch: null,
      probe: true,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new FanoutError('EVERSION', `the worker function ${workerFunction} refused task ${ev.task}: ${message}`, {
      retryable: false,
    });
  }
}

/** A map item that threw (invokeBatch returns its failures, so only the engine itself can): the batch failed for good. */
function lostItem(batchId: string, error: unknown): BatchOutcome {
  const message = error instanceof Error ? error.message : 'no result';
  return { batchId, retries: 0, error: { code: 'EINTERNAL', message: `batch ${batchId}: ${message}` } };
}

async function output(
  task: AnyTask,
  ev: CoordinatorEvent,
  state: RunState,
  wallMs: number,
  plan: CoordinatorOutput['stats']['coordinator'],
): Promise<CoordinatorOutput> {
  const result = task.finalize ? await task.finalize(state.acc, ev.input) : state.acc;
  return {
    result,
    stats: {
      wallMs,
      batches: state.batches,
      retries: state.retries,
      duplicates: 0,
      cpuMs: Math.round(state.cpuMs * 100) / 100,
      byBackend: { lambda: { batches: state.batches, cpuMs: Math.round(state.cpuMs * 100) / 100 } },
      byWorker: state.byWorker,
      records: [],
      coordinator: plan,
    },
  };
}
