/**
 * Opening a run: the accumulator every partial merges into, the stats collector, the journal (restored when
 * resuming), and the split's context with its own abort, so an async split (a fetch stage) stops when the run ends.
 */
import { randomUUID } from 'node:crypto';
import { AsyncAccumulator } from '../accumulators/async-accumulator.js';
import { openRunJournal } from '../journal/fanout-journal.js';
import type { RunJournal } from '../journal/run-journal.js';
import { DEFAULT_MAX_RECORDS_PER_STAGE, StatsCollector } from '../stats-collector.js';
import type { SplitContext } from '../tasks/task.js';
import type { ResolvedRun } from './resolve-run.js';
import { RunProgress } from './run-progress.js';
import { printTaskOutput, taskOutputEvent } from './task-output-lines.js';

/** A run's state between its start and its end. */
export interface OpenedRun {
  accumulator: AsyncAccumulator<unknown>;
  collector: StatsCollector;
  journal: RunJournal | undefined;
  progress: RunProgress;
  /** The split's context; its signal aborts with {@link stopSplit}. */
  ctx: SplitContext;
  /** Stops the split (a fetch stage): the run failed, was aborted, or is over. */
  stopSplit(reason?: unknown): void;
  /** Detaches from the caller's signal; call once the run is over. */
  close(): void;
}

/** Opens the run of `r` on `input` (see the module doc). A foreign or damaged journal is refused before any fork. */
export async function openRun(r: ResolvedRun, input: unknown): Promise<OpenedRun> {
  const { options, backend } = r;
  const task = r.task.task;
  // Every merge goes through here, sync or async: one at a time, in arrival order, each batch id once.
  const accumulator = new AsyncAccumulator<unknown>(task.init(), (acc, partial) => task.merge(acc, partial));
  const onRecord = options.onRecord;
  const onTaskOutput = options.onTaskOutput ?? printTaskOutput;
  const collector: StatsCollector = new StatsCollector(backend.name, 'cpu', DEFAULT_MAX_RECORDS_PER_STAGE, (rec) => {
    // what the attempt's map wrote, delivered as its record is made: once per attempt, in each lane's order
    const output = rec.output && taskOutputEvent(rec);
    if (output) onTaskOutput(output);
    onRecord?.(rec, { backend: backend.name, startedAt: collector.startedAt });
  });
  const workers = backend.parallelism?.() ?? backend.capacity();
  const journal = await openRunJournal(options, r.task.ref, input, accumulator, collector, {
    batchSize: r.run.batchSize,
    maxPayloadBytes: backend.maxPayloadBytes,
    workers,
  });
  const splitAbort = new AbortController();
  const onOuterAbort = (): void => splitAbort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const progress = new RunProgress(collector, (err) => splitAbort.abort(err));
  const ctx: SplitContext = {
    batchSize: r.run.batchSize,
    workers: journal?.identity.splitWorkers ?? workers,
    signal: splitAbort.signal,
    runId: randomUUID(),
    record: (rec) => {
      collector.stage(rec);
      progress.stageChanged();
    },
    fail: (item, reason) => {
      if (journal?.itemFailed(item, reason) !== false) collector.fail(item, reason);
    },
    counters: (stage, read) => collector.counters(stage, read),
    // the run's clock starts at the split's first timed work, or when the backend is ready, whichever comes first
    begin: () => collector.begin(),
    ...(journal ? { reproducible: true, merged: (position: number) => journal.has(String(position)) } : {}),
  };
  progress.listen(options.onProgress, task, input, ctx);
  return {
    accumulator,
    collector,
    journal,
    progress,
    ctx,
    stopSplit: (reason) => splitAbort.abort(reason),
    close: () => options.signal?.removeEventListener('abort', onOuterAbort),
  };
}
