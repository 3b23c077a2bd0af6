import { FanoutError } from '../errors.js';
import type { AnyTask } from '../tasks/task.js';
import { BatchIdSet } from './batch-id-set.js';

/**
 * Owns the merge state of one run. Partials are merged as they arrive, each batch id at most once: a second partial for
 * the same id (a retry whose first reply was lost, a speculative duplicate) is dropped and counted, never merged.
 *
 * Merges run synchronously on the main thread, so no two can interleave; {@link AsyncMutex} guards merges that await.
 */
export class Accumulator<R = unknown> {
  readonly #task: AnyTask;
  readonly #merged = new BatchIdSet();
  #value: R;
  #duplicates = 0;

  constructor(task: AnyTask) {
    this.#task = task;
    this.#value = task.init() as R;
  }

  /** Merges `partial` for `batchId`. Returns false (and merges nothing) when that id was already merged. */
  add(batchId: string, partial: unknown): boolean {
    if (this.#merged.has(batchId)) {
      this.#duplicates++;
      return false;
    }
    try {
      this.#value = this.#task.merge(this.#value, partial) as R;
    } catch (err) {
      throw new FanoutError('ETASK', `merge of batch ${batchId} failed: ${(err as Error).message}`, {
        cause: err,
        batchId,
        retryable: false,
      });
    }
    this.#merged.add(batchId);
    return true;
  }

  /** Starts from a state merged by an earlier, interrupted run (a journal): `value` already holds `batchIds`. */
  restore(value: R, batchIds: Iterable<string>): void {
    this.#value = value;
    for (const id of batchIds) this.#merged.add(id);
  }

  /** True when `batchId` has been merged. */
  has(batchId: string): boolean {
    return this.#merged.has(batchId);
  }

  /** The merged result so far. */
  get value(): R {
    return this.#value;
  }

  /** Number of distinct batches merged. */
  get size(): number {
    return this.#merged.size;
  }

  /** Number of partials dropped because their batch was already merged. */
  get duplicates(): number {
    return this.#duplicates;
  }
}
