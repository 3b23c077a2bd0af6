/**
 * What the cloud coordinator adds to a planned fan-out (`fanout plan`): its durable operations, its own duration, and
 * the bytes that no longer cross the caller's uplink. Pure: the operation count is the coordinator's own grouping
 * ({@link planGroups}), the price the engine's ({@link PRICE_PER_OPERATION_USD}).
 */
import { lambdaCostOfTotals } from '../report/cost.js';
import type { LambdaArchitecture } from '../report/lambda-pricing.js';
import { PRICE_PER_OPERATION_USD, planGroups } from './engine-limits.js';

/** The coordinator's memory, as both serverless.yml files declare it (its duration is billed at this size). */
export const COORDINATOR_MEMORY_MB = 1024;

/** Longest single invocation of the coordinator, ms (its `timeout`: 900 s); a longer run is replayed in several. */
export const COORDINATOR_INVOCATION_MS = 900_000;

/** A planned fan-out run by the cloud coordinator instead of the local process. */
export interface CoordinatorCost {
  /** Durable operations the run records without retries (`4 + batches + 3 × groups`). */
  operations: number;
  groups: number;
  groupSize: number;
  /** The operations at the engine's price, USD. */
  operationsUsd: number;
  /** The coordinator's own billed duration: it stays in an invocation while the fan-out runs, ms. */
  durationMs: number;
  /** Its invocations: one per 15 minutes of the fan-out (a replay after each), at least one. */
  invocations: number;
  /** Its duration and invocations as Lambda bills them, USD. */
  durationUsd: number;
  /** The fan-out's total with the local coordinator plus the two above, USD. */
  totalUsd: number;
  /** Event and reply bytes that no longer cross the caller's uplink: the sampled mean per batch × batches. */
  bandwidthSavedBytes: number;
}

/** What {@link coordinatorCost} needs of a plan. */
export interface CoordinatorCostInput {
  batches: number;
  concurrency: number;
  /** The fan-out's predicted wall time, ms (the coordinator's duration). */
  wallMs: number;
  architecture: LambdaArchitecture;
  /** The fan-out's total with the local coordinator, USD (workers and per-batch extras). */
  localTotalUsd: number;
  /** Sampled batches' event and reply sizes. */
  sampled: readonly { requestBytes: number; responseBytes: number }[];
}

/** The cloud coordinator's cost of a planned fan-out and the caller's bandwidth it saves. */
export function coordinatorCost(p: CoordinatorCostInput): CoordinatorCost {
  const groups = planGroups(p.batches, p.concurrency);
  const operationsUsd = groups.operations * PRICE_PER_OPERATION_USD;
  const durationMs = Math.max(1, Math.ceil(p.wallMs));
  const invocations = Math.max(1, Math.ceil(durationMs / COORDINATOR_INVOCATION_MS));
  const duration = lambdaCostOfTotals(
    { requests: invocations, billedMs: durationMs, coldStarts: 0, initMs: 0, initBilledMs: 0 },
    { memoryMb: COORDINATOR_MEMORY_MB, architecture: p.architecture },
  );
  const sampledBytes = p.sampled.reduce((t, s) => t + s.requestBytes + s.responseBytes, 0);
  const perBatch = p.sampled.length === 0 ? 0 : sampledBytes / p.sampled.length;
  return {
    operations: groups.operations,
    groups: groups.groups,
    groupSize: groups.groupSize,
    operationsUsd,
    durationMs,
    invocations,
    durationUsd: duration.totalUsd,
    totalUsd: p.localTotalUsd + operationsUsd + duration.totalUsd,
    bandwidthSavedBytes: Math.round(perBatch * p.batches),
  };
}
