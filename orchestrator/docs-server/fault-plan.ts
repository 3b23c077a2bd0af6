/** Faults the document server can inject, for tests and demos. */
export type FaultKind = '503' | '429' | 'reset' | 'slow';

/** Which documents misbehave, how, and for how many requests. */
export interface FaultOptions {
  /** Fraction of document paths (0–1) that misbehave, chosen deterministically by path. @default 0 */
  rate?: number;
  /** Requests of a faulty path that misbehave before it is served normally. @default 1 */
  attempts?: number;
  /** Kinds to pick from (by path). @default ['503', '429', 'reset', 'slow'] */
  kinds?: FaultKind[];
  /** Retry-After of a 429, seconds. @default 1 */
  retryAfterS?: number;
  /** Extra delay of a `slow` response, ms. @default 300 */
  slowMs?: number;
}

const ALL_KINDS: FaultKind[] = ['503', '429', 'reset', 'slow'];

/** FNV-1a: a stable hash, so the same path misbehaves the same way on every run. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The request header fanout's fetch threads send with a fresh id per run (`fanout()` call). The plan counts a faulty
 * path's requests per run id, so every run meets the same faults: a `compare` whose first backend retried through them
 * no longer leaves the next backends a server that has run out of faults. Requests without it (curl, a browser) share
 * one count, as before.
 */
export const RUN_ID_HEADER = 'x-fanout-run';

/** Decides, per request, whether and how to misbehave. Counts requests per faulty path (and per run id) only. */
export class FaultPlan {
  readonly #rate: number;
  readonly #attempts: number;
  readonly #kinds: FaultKind[];
  readonly retryAfterS: number;
  readonly slowMs: number;
  readonly #seen = new Map<string, number>();
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number> = { '503': 0, '429': 0, reset: 0, slow: 0 };

  constructor(o: FaultOptions = {}) {
    this.#rate = o.rate ?? 0;
    this.#attempts = o.attempts ?? 1;
    this.#kinds = o.kinds && o.kinds.length > 0 ? o.kinds : ALL_KINDS;
    this.retryAfterS = o.retryAfterS ?? 1;
    this.slowMs = o.slowMs ?? 300;
  }

  /**
   * The fault for this request of `path`, or undefined to serve it normally. `runId` (the {@link RUN_ID_HEADER}) keys
   * the count, so each run gets its own `attempts` faults per faulty path; which paths misbehave and how stays the same.
   */
  next(path: string, runId = ''): FaultKind | undefined {
    if (this.#rate <= 0) return undefined;
    const h = fnv1a(path);
    if ((h % 10_000) / 10_000 >= this.#rate) return undefined;
    const key = `${runId}\n${path}`;
    const n = (this.#seen.get(key) ?? 0) + 1;
    this.#seen.set(key, n);
    if (n > this.#attempts) return undefined;
    const kind = this.#kinds[(h >>> 16) % this.#kinds.length] as FaultKind;
    this.injected[kind]++;
    return kind;
  }
}
