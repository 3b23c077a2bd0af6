import { createHash } from 'node:crypto';
import { FanoutError } from '../errors.js';
import type { AnyTask } from '../tasks/task.js';

/** The batches of a run, and a digest the coordinator checkpoints to prove a replay split the input the same way. */
export interface SplitBatches {
  batches: unknown[];
  digest: string;
}

/**
 * Runs the task's split as a journaled run does (`reproducible`: the same input gives the same batches in the same
 * order), so a replayed coordinator can split again instead of checkpointing every batch.
 */
export async function splitBatches(
  task: AnyTask,
  input: unknown,
  batchSize: number | undefined,
  workers: number,
): Promise<SplitBatches> {
  const batches: unknown[] = [];
  const hash = createHash('sha256');
  for await (const batch of task.split(input, { batchSize, workers, reproducible: true })) {
    batches.push(batch);
    hash.update(JSON.stringify(batch) ?? 'undefined').update('\n');
  }
  return { batches, digest: hash.digest('hex') };
}

/** EINTERNAL-free check that a replay's split matches the checkpointed one: a task whose split is not deterministic. */
export function checkSameSplit(task: string, recorded: { count: number; digest: string }, now: SplitBatches): void {
  if (recorded.count !== now.batches.length || recorded.digest !== now.digest) {
    throw new FanoutError(
      'ETASK',
      `split of task \`${task}\` gave different batches when the coordinator replayed (${recorded.count} before, ${now.batches.length} now): the cloud coordinator needs a split that gives the same batches for the same input`,
      { retryable: false },
    );
  }
}
