import type { CounterValues } from './accumulators/shared-counters.js';
import type { TaskOutput } from './far-side/wire.js';
import type { SchedulerProgress } from './scheduler/scheduler-types.js';

/**
 * What `onProgress` gets: the scheduler's batch counts, and the live counters of the stages that run inside the task's
 * split (`stages.fetch`: documents, bytes, attempts per status, read from the fetch threads' shared counters).
 */
export type FanoutProgress = SchedulerProgress & { stages?: Record<string, CounterValues> };

/** Totals of one stage: from its records, plus (fetch) what its shared counters counted. */
export interface StageStats {
  items: number;
  busyMs: number;
  cpuMs: number;
  wallMs: number;
  /** Documents fetched successfully (shared counters). */
  documents?: number;
  /** Body bytes of those documents, after decompression (shared counters). */
  bytes?: number;
  /** bytes over the stage's wall time. */
  bytesPerSec?: number;
  /** HTTP attempts, retries included (shared counters). */
  attempts?: number;
  /** Entries that failed for good (shared counters). */
  failed?: number;
  /** Attempts by outcome: HTTP status class, or `network` for resets, timeouts and refused connections. */
  statuses?: { '2xx': number; '3xx': number; '4xx': number; '5xx': number; network: number };
}

/** One attempt at one batch, as the timeline and the comparison report need it. */
export interface BatchRecord {
  batchId: string;
  attempt: number;
  backend: string;
  /** Which side ran it (hybrid: process | lambda); equals backend otherwise. */
  side: string;
  workerId: string;
  /** ms since the run started. */
  startMs: number;
  endMs: number;
  cpuMs?: number;
  /** Time the worker waited for a core (Linux run-queue delay), where reported (fetch threads), ms. */
  waitMs?: number;
  /** Wall time of map on the far side, when the backend reports it (Lambda: the billed duration's stand-in). */
  durationMs?: number;
  /** Pipeline stage: `cpu` for batches, `fetch` for fetches. */
  stage: string;
  status: 'ok' | 'error' | 'duplicate' | 'cancelled';
  error?: string;
  errorCode?: string;
  coldStart?: boolean;
  /** Cold starts on Lambda: INIT time of the instance, ms (billed since August 2025). */
  initMs?: number;
  speculative?: boolean;
  /**
   * What this attempt's map wrote to stdout/stderr (failed attempts included), as the far side captured it: the first
   * 8 KB, and `cutBytes` left out. Absent when it wrote nothing.
   */
  output?: TaskOutput;
}

/** Per-backend (or per-side) totals. */
export interface BackendTotals {
  batches: number;
  cpuMs: number;
}

/** Statistics of one run. */
export interface RunStats {
  wallMs: number;
  /** Distinct batches merged. */
  batches: number;
  /** Attempts beyond the first, over all batches. */
  retries: number;
  /** Partials dropped because the batch was already merged (lost replies, speculation). */
  duplicates: number;
  /** CPU time summed over workers where measured (ms); see cpuUnmeasured for what it leaves out. */
  cpuMs: number;
  /**
   * Successful attempts and fetches whose CPU time was not reported (a backend or far side that does not measure it):
   * they are left out of cpuMs, and the table says "n/a (not measured)" rather than count them as 0 ms. Absent when 0.
   */
  cpuUnmeasured?: number;
  byBackend: Record<string, BackendTotals>;
  byWorker: Record<string, BackendTotals>;
  /** One record per attempt (and per fetch), for the timeline; capped per stage on huge runs (see recordsDropped). */
  records: BatchRecord[];
  /** Records left out of `records` because their stage had reached the cap; every total above still counts them. */
  recordsDropped?: number;
  /**
   * Exact billing totals over every attempt, kept records or not (the cost model prices these, not `records`): CPU-stage
   * Lambda invocations, their durations in whole billed ms (each rounded up, at least 1, INIT included on cold starts),
   * the cold starts with their measured INIT time and the billed ms it added, and CPU time of everything else.
   */
  billing?: {
    lambdaRequests: number;
    lambdaBilledMs: number;
    lambdaColdStarts: number;
    lambdaInitMs: number;
    lambdaInitBilledMs: number;
    localCpuMs: number;
  };
  /**
   * Hybrid: sides taken out of the run after repeated side faults (unreachable endpoint, 5xx), with the last fault;
   * the run finished on the other side. Absent when no side was dropped.
   */
  droppedSides?: { side: string; reason: string }[];
  /** Items that failed for good but did not fail the run (e.g. URLs in wordcount). */
  failed?: { item: string; reason: string }[];
  /** Batches taken from the journal of an interrupted run (`--resume`) instead of being run again. */
  resumed?: number;
  /** Per-stage totals for pipelines: wall/CPU per stage. */
  stages?: Record<string, StageStats>;
}
