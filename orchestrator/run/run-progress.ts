/**
 * Progress of a run as `onProgress` sees it: the scheduler's counts, the live counters of a pipeline's stages, and the
 * total from the task's own count of its batches until the scheduler knows the real one.
 */
import { FanoutError } from '../errors.js';
import type { FanoutOptions } from '../options.js';
import type { SchedulerProgress } from '../scheduler/scheduler-types.js';
import type { FanoutProgress } from '../stats.js';
import type { StatsCollector } from '../stats-collector.js';
import type { AnyTask, SplitContext } from '../tasks/task.js';

/** The run's progress reporter (inert without `onProgress`). */
export class RunProgress {
  readonly #collector: StatsCollector;
  readonly #fail: (err: FanoutError) => void;
  #user: ((p: FanoutProgress) => void) | undefined;
  #last: SchedulerProgress = { done: 0, total: undefined, inFlight: 0, retries: 0 };
  #failed = false;

  /** `fail` stops the run when `onProgress` throws from a stage's redraw. */
  constructor(collector: StatsCollector, fail: (err: FanoutError) => void) {
    this.#collector = collector;
    this.#fail = fail;
  }

  /** Starts reporting to `onProgress`, with the task's count of its batches as the total until the real one is known. */
  listen(onProgress: FanoutOptions['onProgress'], task: AnyTask, input: unknown, ctx: SplitContext): void {
    if (!onProgress) return;
    const expected = expectedBatches(task, input, ctx);
    this.#user =
      expected === undefined
        ? onProgress
        : (p) => onProgress(p.total === undefined && p.done <= expected ? { ...p, total: expected } : p);
  }

  /** The scheduler's report (undefined when nobody listens, so the scheduler skips it). */
  get scheduler(): ((p: SchedulerProgress) => void) | undefined {
    return this.#user && ((p) => this.#report(p));
  }

  /** A stage's record changed the live counters: redraw. A throwing `onProgress` fails the run once. */
  stageChanged(): void {
    if (!this.#user || this.#failed) return;
    try {
      this.#report(this.#last);
    } catch (err) {
      this.#failed = true;
      const message = err instanceof Error ? err.message : String(err);
      this.#fail(new FanoutError('EINPUT', `onProgress callback threw: ${message}`, { retryable: false }));
    }
  }

  #report(p: SchedulerProgress): void {
    this.#last = p;
    const stages = this.#collector.liveStages();
    this.#user?.(stages ? { ...p, stages } : p);
  }
}

/** The task's own count of its batches, if it has one (a count that throws is ignored: the split reports the error). */
export function expectedBatches(task: AnyTask, input: unknown, ctx: SplitContext): number | undefined {
  try {
    const n = task.countBatches?.(input, ctx);
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
