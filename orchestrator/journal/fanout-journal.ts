import type { AsyncAccumulator } from '../accumulators/async-accumulator.js';
import type { QueuedBatch } from '../scheduler/scheduler.js';
import type { StatsCollector } from '../stats-collector.js';
import type { TaskRef } from '../tasks/task.js';
import { runIdentity, taskId, taskVersion } from './run-identity.js';
import { type JournalOptions, RunJournal } from './run-journal.js';

/**
 * Opens the journal `options` ask for (none: undefined) for a run of `ref` on `input`, and when resuming restores the
 * accumulator and the failed items from it. The glue between fanout() and {@link RunJournal}; backends never see it.
 */
export async function openRunJournal(
  options: JournalOptions,
  ref: TaskRef,
  input: unknown,
  accumulator: AsyncAccumulator<unknown>,
  collector: StatsCollector,
  split: { batchSize: number | undefined; maxPayloadBytes: number | undefined; workers: number },
): Promise<RunJournal | undefined> {
  if (options.journal === undefined && options.resumeFrom === undefined) return undefined;
  const identity = runIdentity(taskId(ref), taskVersion(ref), input, split);
  const { journal, restored } = await RunJournal.open(options, identity, () => accumulator.value);
  if (restored) {
    accumulator.restore(restored.state, restored.batchIds);
    collector.failed.push(...journal.failures());
  }
  return journal;
}

/** The batches of a split without those the resumed journal already merged. */
export async function* skipJournaled(
  batches: AsyncIterable<QueuedBatch>,
  journal: RunJournal | undefined,
): AsyncGenerator<QueuedBatch> {
  for await (const b of batches) if (!journal?.has(b.id)) yield b;
}
