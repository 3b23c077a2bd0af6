import { FanoutError } from '../errors.js';

/** Options of {@link AsyncMutex.acquire}. */
export interface AcquireOptions {
  /** Give up with ETIMEOUT after this many ms. @default no timeout */
  timeoutMs?: number;
  /** Give up with the signal's reason when it aborts. */
  signal?: AbortSignal;
}

/** Releases an {@link AsyncMutex}; calling it twice is harmless. */
export type Release = () => void;

/**
 * A FIFO mutex for the main thread's event loop: code that awaits inside a critical section (a merge that writes to
 * disk, a merge that calls out) holds it across the awaits so no other merge interleaves. Synchronous merges need no
 * lock — one event loop cannot interleave them — which is why {@link Accumulator} has none.
 */
export class AsyncMutex {
  #locked = false;
  readonly #waiters: Array<(release: Release) => void> = [];

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Number of callers waiting for the lock. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function once the lock is held (first come, first served). */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const giveUp = (reason: unknown): void => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        cleanup();
        reject(reason);
      };
      const onAbort = (): void => giveUp(signal?.reason);
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const grant = (release: Release): void => {
        cleanup();
        resolve(release);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => giveUp(new FanoutError('ETIMEOUT', `lock not acquired within ${timeoutMs} ms`, { retryable: false })),
          timeoutMs,
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  /** Runs `fn` holding the lock and releases it afterwards, whether `fn` resolves or throws. */
  async runExclusive<T>(fn: () => T | Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // Hand the lock straight to the next waiter: nobody can slip in between.
      if (next) next(this.#releaser());
      else this.#locked = false;
    };
  }
}
