import { isFanoutError } from '../errors.js';
import type { BackendTotals } from '../stats.js';
import type { AnyTask } from '../tasks/task.js';
import type { BatchOutcome } from './invoke-batch.js';
import { decodeState, encodeState } from './state-codec.js';

/** What the coordinator checkpoints after each group: the task's merged state and the run's counters. */
export interface RunState {
  acc: unknown;
  batches: number;
  retries: number;
  cpuMs: number;
  byWorker: Record<string, BackendTotals>;
}

/** A group's merge, as the step returns it: the encoded state after it, or the error that ends the run. */
export type GroupResult = { state: string } | { error: { code: string; message: string } };

/** Timeline lanes kept per run: beyond them, instances share one lane (the state is checkpointed, so it stays small). */
const MAX_WORKER_LANES = 64;

/** The state a run starts from, encoded. */
export function initialState(task: AnyTask): string {
  const state: RunState = { acc: task.init(), batches: 0, retries: 0, cpuMs: 0, byWorker: {} };
  return encodeState(task.name, state);
}

/**
 * Merges one group's partials into a fresh copy of the state before it (a retried step must not see a half-merged
 * accumulator), each batch once, in batch order. A batch that failed for good, a merge that throws or a state too large
 * to checkpoint is returned as the error that ends the run.
 */
export async function mergeGroup(
  task: AnyTask,
  before: string,
  outcomes: readonly BatchOutcome[],
): Promise<GroupResult> {
  const failed = outcomes.find((o) => 'error' in o);
  if (failed && 'error' in failed) return { error: failed.error };
  try {
    const state = decodeState(before) as RunState;
    const seen = new Set<string>();
    for (const o of outcomes) {
      if (!('reply' in o) || seen.has(o.batchId)) continue;
      seen.add(o.batchId);
      state.acc = await task.merge(state.acc, o.reply.partial);
      const cpu = o.reply.cpuMs ?? 0;
      state.batches += 1;
      state.retries += o.retries;
      state.cpuMs += cpu;
      const lane = laneOf(state.byWorker, o.reply.instanceId);
      const totals = state.byWorker[lane] ?? { batches: 0, cpuMs: 0 };
      state.byWorker[lane] = { batches: totals.batches + 1, cpuMs: totals.cpuMs + cpu };
    }
    return { state: encodeState(task.name, state) };
  } catch (err) {
    const code = isFanoutError(err) ? err.code : 'ETASK';
    const message = isFanoutError(err)
      ? err.message
      : `merge of task \`${task.name}\` threw: ${err instanceof Error ? err.message : String(err)}`;
    return { error: { code, message } };
  }
}

function laneOf(byWorker: Record<string, BackendTotals>, instanceId: string | undefined): string {
  const lane = `lambda-${instanceId ?? 'unknown'}`;
  if (lane in byWorker || Object.keys(byWorker).length < MAX_WORKER_LANES) return lane;
  return 'lambda-other';
}
