import { FanoutError } from '../errors.js';
import { AsyncMutex } from './async-mutex.js';
import { BatchIdSet } from './batch-id-set.js';

/** A merge that may await (write a partial to a file, a database, a service) before returning the new state. */
export type AsyncMerge<R, P> = (acc: R, partial: P) => R | Promise<R>;

/** What serialises the merges: {@link AsyncMutex} by default (a test may pass another to show what it prevents). */
export interface MergeLock {
  runExclusive<T>(fn: () => T | Promise<T>): Promise<T>;
}

/** Options of {@link AsyncAccumulator}. */
export interface AsyncAccumulatorOptions {
  /** Serialises the merges. @default new AsyncMutex() */
  lock?: MergeLock;
}

/**
 * Owns the merge state of one run, for every task: partials are merged as they arrive, each batch id at most once, one
 * merge at a time in arrival order. A merge may be async: without the lock, two merges that read the state, await,
 * then write would lose one of the updates (the accumulator test shows it). A second partial for an id already taken
 * (a retry whose first reply was lost, a speculative duplicate), even while the first one is still merging, is dropped
 * and counted, never merged.
 *
 * Merges that are still waiting or running are {@link pending}; the engine stops dispatching batches while too many
 * are ({@link room}), so a slow merge (a database) cannot let finished partials pile up without bound.
 */
export class AsyncAccumulator<R, P = unknown> {
  readonly #merge: AsyncMerge<R, P>;
  readonly #lock: MergeLock;
  /** Ids claimed before their merge ran, so a duplicate arriving mid-merge is dropped too. */
  readonly #claimed = new BatchIdSet();
  readonly #waiters = new Set<() => void>();
  #value: R;
  #merged = 0;
  #pending = 0;
  #duplicates = 0;
  #failure: FanoutError | undefined;

  constructor(init: R, merge: AsyncMerge<R, P>, options: AsyncAccumulatorOptions = {}) {
    this.#value = init;
    this.#merge = merge;
    this.#lock = options.lock ?? new AsyncMutex();
  }

  /**
   * Takes `batchId` at once and merges `partial` after the merges before it. Resolves true once merged, false (merging
   * nothing) when the id was already taken; rejects with ETASK when the merge throws (the id is then free again).
   */
  add(batchId: string, partial: P): Promise<boolean> {
    if (this.#claimed.has(batchId)) {
      this.#duplicates++;
      return Promise.resolve(false);
    }
    this.#claimed.add(batchId);
    this.#pending++;
    return this.#lock
      .runExclusive(async () => {
        this.#value = await this.#merge(this.#value, partial);
      })
      .then(
        () => {
          this.#merged++;
          return true;
        },
        (err: unknown) => {
          this.#claimed.delete(batchId);
          const failure = new FanoutError('ETASK', `merge of batch ${batchId} failed: ${(err as Error).message}`, {
            cause: err,
            batchId,
            retryable: false,
          });
          this.#failure ??= failure;
          throw failure;
        },
      )
      .finally(() => {
        this.#pending--;
        for (const wake of this.#waiters) wake();
      });
  }

  /** Starts from a state merged by an earlier, interrupted run (a journal): `value` already holds `batchIds`. */
  restore(value: R, batchIds: Iterable<string>): void {
    this.#value = value;
    for (const id of batchIds) {
      if (this.#claimed.has(id)) continue;
      this.#claimed.add(id);
      this.#merged++;
    }
  }

  /** True when `batchId` is merged or being merged. */
  has(batchId: string): boolean {
    return this.#claimed.has(batchId);
  }

  /** True when fewer than `limit` merges are pending now (what {@link room} waits for). */
  hasRoom(limit: number): boolean {
    return this.#pending < limit;
  }

  /** Resolves once fewer than `limit` merges are pending; rejects with the signal's reason if it aborts first. */
  room(limit: number, signal?: AbortSignal): Promise<void> {
    return this.#until(() => this.hasRoom(limit), signal);
  }

  /** Resolves once every merge added so far has finished; rejects with the first merge failure, if any. */
  async idle(signal?: AbortSignal): Promise<void> {
    await this.#until(() => this.#pending === 0, signal);
    if (this.#failure) throw this.#failure;
  }

  #until(ready: () => boolean, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(check);
        reject(signal?.reason);
      };
      const check = (): void => {
        if (!ready()) return;
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The merged state so far (complete once {@link idle} has resolved). */
  get value(): R {
    return this.#value;
  }

  /** Number of distinct batches merged. */
  get size(): number {
    return this.#merged;
  }

  /** Merges waiting for the lock or running now. */
  get pending(): number {
    return this.#pending;
  }

  /** Partials dropped because their batch id was already taken. */
  get duplicates(): number {
    return this.#duplicates;
  }
}
