/**
 * The durable execution engine's limits and price, written once (docs/coordinator.md cites where each comes from):
 * one execution holds at most 25,000 operations in its history, one checkpointed value is at most 256 KB, and durable
 * operations are billed per operation on top of the coordinator's own duration.
 */
import { inputError } from '../errors.js';

/** Operations one durable execution may record (the engine's history limit). */
export const MAX_OPERATIONS = 25_000;

/** Bytes one checkpointed value may take (a step's result, the merged state). */
export const MAX_CHECKPOINT_BYTES = 256 * 1024;

/** USD per durable operation (us-east-1: $8.00 per million). */
export const PRICE_PER_OPERATION_USD = 8 / 1_000_000;

/** Batches of one group: the coordinator merges and checkpoints once per group. */
const BATCHES_PER_SLOT = 10;

/** Operations a run spends besides its invokes: begin, split, probe, finish. */
const FIXED_OPERATIONS = 4;

/** Each group is a child context, a map and a merge step. */
const OPERATIONS_PER_GROUP = 3;

/** Share of batches that may need a retry (an invoke and a wait each) before the history could overflow. */
const RETRY_RESERVE = 0.1;

/** How the coordinator cuts a job into groups, and what it costs in operations. */
export interface GroupPlan {
  groupSize: number;
  groups: number;
  /** Operations the run records without retries. */
  operations: number;
}

/**
 * Groups `batches` so that each group keeps `concurrency` invokes busy for a while (10 per slot) and one merge step
 * checkpoints the state per group, not per partial. A job that cannot fit the history even so is refused in one line.
 */
export function planGroups(batches: number, concurrency: number): GroupPlan {
  const groupSize = Math.max(1, concurrency * BATCHES_PER_SLOT);
  const groups = Math.ceil(batches / groupSize);
  const operations = FIXED_OPERATIONS + batches + OPERATIONS_PER_GROUP * groups;
  const needed = operations + 2 * Math.ceil(batches * RETRY_RESERVE);
  if (needed > MAX_OPERATIONS) {
    const factor = Math.ceil(needed / MAX_OPERATIONS);
    throw inputError(
      `a job of ${batches} batches needs about ${needed} durable operations, over the ${MAX_OPERATIONS} one execution may hold: use a batch size about ${factor}× larger, or the local coordinator`,
    );
  }
  return { groupSize, groups, operations };
}
