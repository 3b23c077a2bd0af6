/**
 * An AIMD concurrency limit (additive increase, multiplicative decrease), the way TCP shares a link: halve the limit
 * when the service throttles, then win it back one slot per window of successes, up to the configured maximum. It also
 * gates callers, because a halving leaves more invocations in flight than the new limit allows.
 */
export class AdaptiveLimit {
  readonly max: number;
  #limit: number;
  #inFlight = 0;
  #successes = 0;
  readonly #waiters: Array<() => void> = [];

  /** @param max the configured concurrency; the limit starts there and never exceeds it. */
  constructor(max: number) {
    this.max = max;
    this.#limit = max;
  }

  /** Invocations allowed in flight right now. */
  get current(): number {
    return this.#limit;
  }

  /** Invocations holding a slot. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Takes a free slot if there is one now (true), without waiting. */
  tryAcquire(): boolean {
    if (this.#inFlight >= this.#limit) return false;
    this.#inFlight++;
    return true;
  }

  /** Waits for a free slot. Rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#inFlight < this.#limit) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#inFlight++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  /** Frees a slot taken by {@link acquire}. */
  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#drain();
  }

  /** A throttle: halve the limit (at least 1) and start a new success window. */
  onThrottle(): void {
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    this.#successes = 0;
  }

  /** A success: after `limit` successes in a row (one window), allow one more in flight. */
  onSuccess(): void {
    if (this.#limit >= this.max) return;
    this.#successes++;
    if (this.#successes >= this.#limit) {
      this.#successes = 0;
      this.#limit++;
      this.#drain();
    }
  }

  #drain(): void {
    while (this.#inFlight < this.#limit && this.#waiters.length > 0) this.#waiters.shift()?.();
  }
}
