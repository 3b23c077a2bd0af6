import { FanoutError } from '../errors.js';
import { AsyncMutex } from './async-mutex.js';
import { BatchIdSet } from './batch-id-set.js';

/** A merge that may await (write a partial to disk, call a service) before returning the new state. */
export type AsyncMerge<R, P> = (acc: R, partial: P) => R | Promise<R>;

/** Options of {@link AsyncAccumulator}. */
export interface AsyncAccumulatorOptions {
  /** Test hook: merge without the lock, to show that awaiting merges then lose updates. @default true */
  lock?: boolean;
}

/**
 * The accumulator for merges that await. Each batch id is merged at most once, and merges run one at a time under an
 * {@link AsyncMutex}: without it, two merges that read the state, await, then write would lose one of the updates.
 */
export class AsyncAccumulator<R, P = unknown> {
  readonly #merge: AsyncMerge<R, P>;
  readonly #mutex = new AsyncMutex();
  readonly #lock: boolean;
  /** Ids claimed before their merge ran, so a duplicate arriving mid-merge is dropped too. */
  readonly #claimed = new BatchIdSet();
  #value: R;
  #duplicates = 0;

  constructor(init: R, merge: AsyncMerge<R, P>, options: AsyncAccumulatorOptions = {}) {
    this.#value = init;
    this.#merge = merge;
    this.#lock = options.lock ?? true;
  }

  /** Merges `partial` for `batchId`; resolves false (merging nothing) when that id was already taken. */
  async add(batchId: string, partial: P): Promise<boolean> {
    if (this.#claimed.has(batchId)) {
      this.#duplicates++;
      return false;
    }
    this.#claimed.add(batchId);
    const apply = async (): Promise<void> => {
      try {
        this.#value = await this.#merge(this.#value, partial);
      } catch (err) {
        this.#claimed.delete(batchId);
        throw new FanoutError('ETASK', `merge of batch ${batchId} failed: ${(err as Error).message}`, {
          cause: err,
          batchId,
          retryable: false,
        });
      }
    };
    if (this.#lock) await this.#mutex.runExclusive(apply);
    else await apply();
    return true;
  }

  /** The merged state so far (complete once every `add` has resolved). */
  get value(): R {
    return this.#value;
  }

  /** Distinct batch ids merged or being merged. */
  get size(): number {
    return this.#claimed.size;
  }

  /** Partials dropped because their batch id was already taken. */
  get duplicates(): number {
    return this.#duplicates;
  }
}
