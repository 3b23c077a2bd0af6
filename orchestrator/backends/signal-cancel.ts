import type { AbortListener, AttemptCancel, AttemptHandle } from './backend.js';

/** An AbortSignal as an {@link AttemptCancel} (the scheduler hands backends its own, cheaper one). */
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

/**
 * An attempt outside the scheduler — a probe, a benchmark, a test calling a backend directly: cancelled by `signal`,
 * with a clock nobody reads.
 */
export function attemptOf(signal: AbortSignal = new AbortController().signal): AttemptHandle {
  const cancel = new SignalCancel(signal);
  return {
    get aborted() {
      return cancel.aborted;
    },
    get reason() {
      return cancel.reason;
    },
    listen: (l) => cancel.listen(l),
    unlisten: (l) => cancel.unlisten(l),
    signal,
    queued: () => {},
    started: () => {},
  };
}

/** Options of the abort listener: shared, not made per batch. */
const ONCE = { once: true } as const;
