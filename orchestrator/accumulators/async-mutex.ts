/** Releases an {@link AsyncMutex}; calling it twice is harmless. */
export type Release = () => void;

/**
 * A FIFO mutex for the main thread's event loop: code that awaits inside a critical section (a merge that writes to a
 * file or a database) holds it across the awaits, so no other merge interleaves; the AsyncAccumulator runs
 * every merge under one. The waiters are served in arrival order, so merges also run in the order partials arrived.
 */
export class AsyncMutex {
  #locked = false;
  readonly #waiters: Array<(release: Release) => void> = [];

  /** Resolves with a release function once the lock is held (first come, first served). */
  acquire(): Promise<Release> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve) => this.#waiters.push(resolve));
  }

  /** Runs `fn` holding the lock and releases it afterwards, whether `fn` resolves or throws. */
  async runExclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquire();
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
