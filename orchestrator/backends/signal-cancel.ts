import type { AbortListener, AttemptCancel } from './backend.js';

/** An AbortSignal as an {@link AttemptCancel}, for callers of `run` (the scheduler hands the pool its own). */
export class SignalCancel implements AttemptCancel {
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  get aborted(): boolean {
    return this.#signal.aborted;
  }

  get reason(): unknown {
    return this.#signal.reason;
  }

  listen(listener: AbortListener): void {
    this.#signal.addEventListener('abort', listener, ONCE);
  }

  unlisten(listener: AbortListener): void {
    this.#signal.removeEventListener('abort', listener);
  }
}

/** Options of the abort listener: shared, not made per batch. */
const ONCE = { once: true } as const;
