import { inputError } from '../errors.js';
import { checkNonNegativeInt, checkPositiveInt } from '../options.js';
import type { BackoffOptions } from '../scheduler/backoff.js';

/**
 * Where fetches run. `auto`: on the main thread's event loop while it has time, moving to fetch threads once the main
 * thread is measured busy (its own CPU stage, decompression, anything); `threads`: in fetch threads from the start;
 * `main`: on the main thread only.
 */
export type FetchPlacement = 'auto' | 'threads' | 'main';

/** The placements, for validation and `--help`. */
export const FETCH_PLACEMENTS: readonly FetchPlacement[] = ['auto', 'threads', 'main'];

/** Options of the fetch stage. Every request has a deadline: there is no way to ask for none. */
export interface FetchOptions {
  /** Requests in flight over the main thread and the fetch threads. @default 64 */
  concurrency?: number;
  /** Where fetches run (see {@link FetchPlacement}). @default 'auto' */
  placement?: FetchPlacement;
  /** Worker threads running fetches (when they run in threads). @default 2 */
  threads?: number;
  /** Requests in flight per thread. @default ⌈concurrency / threads⌉ */
  perThread?: number;
  /** Largest body accepted, bytes (after decompression); larger documents fail for good. @default 10 MiB */
  maxBodyBytes?: number;
  /** Deadline of one attempt (connect, redirects, headers and body), ms. @default 30000 */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, resets and timeouts. @default 3 */
  retries?: number;
  /** Redirects followed per attempt. @default 5 */
  maxRedirects?: number;
  /** Backoff between retries (full jitter); a larger Retry-After wins. @default { baseMs: 100, maxMs: 5000 } */
  backoff?: BackoffOptions;
  /** Longest Retry-After honoured, ms; longer ones are clipped to this. @default 30000 */
  maxRetryAfterMs?: number;
  /**
   * Allow connections to link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254, and their
   * IPv4-mapped forms). Off, such a URL — given directly, reached by a redirect or by a name resolving there — fails
   * for good with a reason saying so. @default false
   */
  allowLinkLocal?: boolean;
}

/** {@link FetchOptions} with every default applied. */
export type ResolvedFetchOptions = Required<Omit<FetchOptions, 'backoff'>> & { backoff: Required<BackoffOptions> };

/** 10 MiB: large enough for any book, small enough that one runaway body cannot exhaust memory. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The fetch stage's defaults, in one place (wordcount's input options read them too). */
export const FETCH_DEFAULTS = {
  concurrency: 64,
  placement: 'auto' as FetchPlacement,
  threads: 2,
  timeoutMs: 30_000,
  retries: 3,
} as const;

/** Applies defaults and checks every option; bad values throw EINPUT naming the option. */
export function resolveFetchOptions(o: FetchOptions = {}): ResolvedFetchOptions {
  const concurrency = checkPositiveInt('fetchConcurrency', o.concurrency ?? FETCH_DEFAULTS.concurrency);
  const threads = Math.min(checkPositiveInt('fetchThreads', o.threads ?? FETCH_DEFAULTS.threads), concurrency);
  return {
    concurrency,
    placement: checkPlacement(o.placement ?? FETCH_DEFAULTS.placement),
    threads,
    perThread: checkPositiveInt('perThread', o.perThread ?? Math.ceil(concurrency / threads)),
    maxBodyBytes: checkPositiveInt('maxBody', o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    timeoutMs: checkPositiveInt('fetchTimeout', o.timeoutMs ?? FETCH_DEFAULTS.timeoutMs),
    retries: checkNonNegativeInt('fetchRetries', o.retries ?? FETCH_DEFAULTS.retries),
    maxRedirects: checkNonNegativeInt('maxRedirects', o.maxRedirects ?? 5),
    backoff: { baseMs: o.backoff?.baseMs ?? 100, maxMs: o.backoff?.maxMs ?? 5000 },
    maxRetryAfterMs: checkNonNegativeInt('maxRetryAfterMs', o.maxRetryAfterMs ?? 30_000),
    allowLinkLocal: o.allowLinkLocal === true,
  };
}

/** Checks a placement given by a user (the CLI's `--fetch-on`, the API's `fetchOn`). */
export function checkPlacement(value: unknown, name = 'fetchOn'): FetchPlacement {
  if (!FETCH_PLACEMENTS.includes(value as FetchPlacement))
    throw inputError(`Expected \`${name}\` to be one of ${FETCH_PLACEMENTS.join(', ')}, got \`${String(value)}\``);
  return value as FetchPlacement;
}
