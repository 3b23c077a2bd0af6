import { DEFAULT_LOCK_TIMEOUT_MS, SharedMutex } from './shared-mutex.js';

/** The fields of {@link SharedCounters}, in buffer order. */
export const COUNTER_FIELDS = [
  /** HTTP attempts made (every try, including retries and redirects' final hop). */
  'attempts',
  /** Documents fetched successfully. */
  'docs',
  /** Body bytes of the successful documents. */
  'bytes',
  /** URLs that failed for good. */
  'failed',
  /** Attempts answered 2xx. */
  'status2xx',
  /** Attempts answered 3xx that were not followed (redirect cap). */
  'status3xx',
  /** Attempts answered 4xx (including 429). */
  'status4xx',
  /** Attempts answered 5xx. */
  'status5xx',
  /** Attempts that got no status: reset, refused, timeout, body over the cap. */
  'networkErrors',
] as const;

/** One counter name. */
export type CounterField = (typeof COUNTER_FIELDS)[number];
/** A value for every counter. */
export type CounterValues = Record<CounterField, number>;

/** What serialises the updates: a {@link SharedMutex} in the buffer by default (a test may pass another). */
export interface CounterLock {
  withLock<T>(fn: () => T, timeoutMs?: number): T;
}

/** What a {@link SharedCounters} view needs to be rebuilt in another thread. */
export interface SharedCountersHandle {
  buffer: SharedArrayBuffer;
}

/**
 * Counters shared by the fetch threads, updated together under a {@link SharedMutex}: every update adds to several
 * fields at once, and a reader must see either all of an update or none of it. Invariants that hold between updates:
 * `attempts = status2xx + status3xx + status4xx + status5xx + networkErrors`, `docs ≤ status2xx`.
 *
 * The values are float64 (bytes exceed 2^31) written with plain stores — no Atomics.add per field on purpose: a
 * multi-field invariant needs the lock anyway, and the plain read-modify-write is exactly what the lock must protect
 * (the mutex test shows the updates are lost without it).
 *
 * The fetch threads add to them after every attempt; the main thread reads them for the fetch stage's live progress
 * line and for `stats.stages.fetch` (documents, bytes, statuses).
 */
export class SharedCounters {
  readonly #buffer: SharedArrayBuffer;
  readonly #lock: CounterLock;
  readonly #values: Float64Array;

  /** Wraps a buffer made by {@link SharedCounters.create} (possibly in another thread), locked by its mutex. */
  constructor(handle: SharedCountersHandle, lock: CounterLock = new SharedMutex(handle.buffer, 0)) {
    this.#buffer = handle.buffer;
    this.#lock = lock;
    this.#values = new Float64Array(handle.buffer, SharedMutex.BYTES, COUNTER_FIELDS.length);
  }

  /** New zeroed counters in their own shared buffer. */
  static create(): SharedCounters {
    return new SharedCounters({ buffer: new SharedArrayBuffer(SharedMutex.BYTES + 8 * COUNTER_FIELDS.length) });
  }

  /** What to post to another thread to share these counters. */
  get handle(): SharedCountersHandle {
    return { buffer: this.#buffer };
  }

  /** Adds `delta` to the counters as one update under the lock: read every field, then write every field. */
  add(delta: Partial<CounterValues>, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): void {
    const v = this.#values;
    this.#lock.withLock(() => {
      const next = COUNTER_FIELDS.map((f, i) => (v[i] as number) + (delta[f] ?? 0));
      for (let i = 0; i < next.length; i++) v[i] = next[i] as number;
    }, timeoutMs);
  }

  /** A consistent copy of every counter, read under the lock. */
  snapshot(timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): CounterValues {
    return this.#lock.withLock(() => {
      const out = {} as CounterValues;
      COUNTER_FIELDS.forEach((f, i) => {
        out[f] = this.#values[i] as number;
      });
      return out;
    }, timeoutMs);
  }
}

/** True when a snapshot satisfies the invariants documented on {@link SharedCounters}. */
export function countersConsistent(c: CounterValues): boolean {
  const byStatus = c.status2xx + c.status3xx + c.status4xx + c.status5xx + c.networkErrors;
  return c.attempts === byStatus && c.docs <= c.status2xx;
}
