import type { BatchJob } from '../backends/backend.js';
import { DurationWindow } from './duration-window.js';
import type { InFlight } from './in-flight.js';
import type { SchedulerOptions } from './scheduler-types.js';

/**
 * Which straggler to copy: a batch running longer than `speculateFactor` × the median batch time and longer than the
 * median plus `speculateMarginMs`, the oldest first, each batch once. Counts the copies it allowed.
 */
export class Speculation {
  readonly #opts: Pick<SchedulerOptions, 'speculate' | 'speculateFactor' | 'speculateMarginMs'>;
  readonly #durations = new DurationWindow();
  readonly #copied = new Set<string>();
  /** Speculative copies launched so far. */
  count = 0;

  constructor(opts: Pick<SchedulerOptions, 'speculate' | 'speculateFactor' | 'speculateMarginMs'>) {
    this.#opts = opts;
  }

  /** A batch succeeded after `ms`: one more duration for the median, and its copy (if any) is settled. */
  succeeded(id: string, ms: number): void {
    this.#copied.delete(id);
    this.#durations.add(ms);
  }

  /** A batch failed: a later straggler of it may be copied again. */
  failed(id: string): void {
    this.#copied.delete(id);
  }

  /** The job of a copy to launch now, or undefined. */
  next(running: InFlight, now: number): BatchJob | undefined {
    const median = this.#opts.speculate ? this.#durations.median() : undefined;
    if (median === undefined) return undefined;
    const threshold = Math.max(
      (this.#opts.speculateFactor ?? 1.5) * median,
      median + (this.#opts.speculateMarginMs ?? 100),
    );
    const oldest = running.oldestStraggler(now, threshold, this.#copied);
    if (!oldest) return undefined;
    this.#copied.add(oldest.job.id);
    this.count++;
    return { ...oldest.job, speculative: true };
  }
}
