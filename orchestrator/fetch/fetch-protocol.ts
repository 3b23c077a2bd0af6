import type { SharedCountersHandle } from '../accumulators/shared-counters.js';
import type { ResolvedFetchOptions } from './fetch-options.js';
import type { RunnerReply } from './fetch-runner.js';

/** `workerData` of a fetch thread. */
export interface FetchWorkerData {
  options: ResolvedFetchOptions;
  counters: SharedCountersHandle;
  /** Sent as the `x-fanout-run` header, so a server can tell runs apart (the docs server keys its faults by it). */
  runId?: string;
}

/** Main thread → fetch thread. */
export type FetchRequestMessage = { type: 'fetch'; id: number; url: string };

/**
 * Fetch thread → main thread. The body (if any) travels in the transfer list, not copied. `cpuMs` is the thread's CPU
 * time since its previous reply (absent where the thread's CPU clock cannot be read), `waitMs` the time it waited for a
 * core meanwhile: the requests of one thread overlap on its event loop, so these windows tile the thread's time rather
 * than isolate one request's.
 */
export type FetchReplyMessage =
  | FetchDoneMessage
  /** Sent once, when the thread has loaded its modules and listens: a request sent now leaves at once. */
  | { type: 'ready' };

/** One finished fetch (see {@link FetchReplyMessage}). */
export type FetchDoneMessage = { type: 'done'; id: number } & RunnerReply;
