import { performance } from 'node:perf_hooks';
import { FanoutError } from '../errors.js';

const UNLOCKED = 0;
const LOCKED = 1;
/** Locked, and somebody may be sleeping in `Atomics.wait`: the unlocker must notify. */
const CONTENDED = 2;

/** Cell index of the state word. */
const STATE = 0;

/** Default time {@link SharedMutex.lock} waits before giving up with ETIMEOUT. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * A mutex on a `SharedArrayBuffer`, usable from every worker thread that holds the buffer (and from the main thread).
 *
 * Drepper's three-state futex mutex ("Futexes are tricky"): an uncontended lock/unlock is one compare-exchange each,
 * and a waiter sleeps in `Atomics.wait` instead of spinning, so threads blocked on the lock cost no CPU. The state word
 * lives in the shared buffer itself, so every thread sees the same lock.
 *
 * @example
 * const mutex = SharedMutex.create();
 * worker.postMessage({ buffer: mutex.buffer, offset: mutex.byteOffset });
 * // in the worker: const m = new SharedMutex(buffer, offset); m.withLock(() => { ... });
 */
export class SharedMutex {
  /** Bytes the mutex occupies in a shared buffer (one Int32 word, padded so what follows is 8-byte aligned). */
  static readonly BYTES = 8;
  readonly #cells: Int32Array;

  /** Views an existing mutex at `byteOffset` (a multiple of 4) in `buffer`; a zeroed region is an unlocked mutex. */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.#cells = new Int32Array(buffer, byteOffset, 1);
  }

  /** A new unlocked mutex in its own shared buffer. */
  static create(): SharedMutex {
    return new SharedMutex(new SharedArrayBuffer(SharedMutex.BYTES));
  }

  /** The shared buffer, to post to other threads. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** Where the mutex starts in {@link buffer}. */
  get byteOffset(): number {
    return this.#cells.byteOffset;
  }

  /**
   * Blocks the calling thread until the lock is held. Throws a FanoutError ETIMEOUT after `timeoutMs`, so a thread that
   * died holding the lock shows up as an error instead of a hang.
   */
  lock(timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): void {
    const cells = this.#cells;
    let c = Atomics.compareExchange(cells, STATE, UNLOCKED, LOCKED);
    if (c === UNLOCKED) return;
    const deadline = performance.now() + timeoutMs;
    if (c !== CONTENDED) c = Atomics.exchange(cells, STATE, CONTENDED);
    while (c !== UNLOCKED) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new FanoutError('ETIMEOUT', `shared mutex not acquired within ${timeoutMs} ms`, { retryable: false });
      }
      Atomics.wait(cells, STATE, CONTENDED, left);
      // Take it as CONTENDED: we cannot know whether others still sleep, so our unlock must notify.
      c = Atomics.exchange(cells, STATE, CONTENDED);
    }
  }

  /** Takes the lock if it is free; never blocks. */
  tryLock(): boolean {
    return Atomics.compareExchange(this.#cells, STATE, UNLOCKED, LOCKED) === UNLOCKED;
  }

  /** Releases the lock and wakes one waiter if there may be one. */
  unlock(): void {
    const cells = this.#cells;
    const prev = Atomics.sub(cells, STATE, 1);
    if (prev === LOCKED) return;
    if (prev === UNLOCKED) {
      Atomics.store(cells, STATE, UNLOCKED);
      throw new FanoutError('EINTERNAL', 'shared mutex unlocked while not locked');
    }
    Atomics.store(cells, STATE, UNLOCKED);
    Atomics.notify(cells, STATE, 1);
  }

  /** Runs `fn` holding the lock; releases it even when `fn` throws. */
  withLock<T>(fn: () => T, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): T {
    this.lock(timeoutMs);
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  /** True while some thread holds the lock (a snapshot; for diagnostics and tests). */
  get locked(): boolean {
    return Atomics.load(this.#cells, STATE) !== UNLOCKED;
  }
}
