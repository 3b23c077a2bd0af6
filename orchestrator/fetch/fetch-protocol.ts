import type { SharedCountersHandle } from '../accumulators/shared-counters.js';
import type { ResolvedFetchOptions } from './fetch-options.js';
import type { FetchResult } from './fetch-url.js';

/** `workerData` of a fetch thread. */
export interface FetchWorkerData {
  options: ResolvedFetchOptions;
  counters: SharedCountersHandle;
}

/** Main thread → fetch thread. */
export type FetchRequestMessage = { type: 'fetch'; id: number; url: string };

/** Fetch thread → main thread. The body (if any) travels in the transfer list, not copied. */
export type FetchReplyMessage = { type: 'done'; id: number; result: FetchResult; startedAt: number; endedAt: number };
