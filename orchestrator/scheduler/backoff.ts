/** Backoff policy for retries: exponential with full jitter, capped. */
export interface BackoffOptions {
  /** First delay before jitter, ms. @default 100 */
  baseMs?: number;
  /** Largest delay, ms. @default 5000 */
  maxMs?: number;
}

/**
 * Delay before retry number `retry` (1-based): uniform in [0, min(max, base·2^(retry-1))] ("full jitter"), so a burst of
 * throttled batches does not come back in lockstep. A server-given delay (Retry-After) wins when larger.
 */
export function backoffDelay(
  retry: number,
  opts: BackoffOptions = {},
  random = Math.random,
  serverMs?: number,
): number {
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? 5000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(ceiling * random());
  return serverMs !== undefined && serverMs > jittered ? Math.min(serverMs, Math.max(max, serverMs)) : jittered;
}
