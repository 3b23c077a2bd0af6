import type { Dispatcher } from 'undici';
import type { SharedCounters } from '../accumulators/shared-counters.js';
import type { ResolvedFetchOptions } from './fetch-options.js';
import { type FetchResult, fetchUrl } from './fetch-url.js';

/**
 * One URL fetched and counted in the shared counters (every attempt by class, documents and bytes, a final failure),
 * never rejecting: what a fetch thread runs per request, and what the pool's start-up lane on the main thread runs
 * while the threads boot. One function, so both count alike.
 */
export function fetchCounted(
  url: string,
  options: ResolvedFetchOptions,
  dispatcher: Dispatcher,
  counters: SharedCounters,
): Promise<FetchResult> {
  return fetchUrl(url, options, {
    dispatcher,
    onAttempt: (cls, bytes) =>
      counters.add({ attempts: 1, [cls]: 1, ...(bytes === undefined ? {} : { docs: 1, bytes }) }),
  })
    .catch(
      (err: unknown): FetchResult => ({
        ok: false,
        url,
        reason: `fetch thread error: ${String(err)}`,
        attempts: 0,
      }),
    )
    .then((result) => {
      if (!result.ok) counters.add({ failed: 1 });
      return result;
    });
}
