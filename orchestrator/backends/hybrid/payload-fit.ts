/**
 * Payload limits across the two sides: fanout() subdivides batches by the hybrid's limit, the largest of its sides',
 * so a batch the process pool can take is never cut for Lambda's sake; a batch over one side's own limit (Lambda's, as
 * its backend reports it) then runs on the other side instead of failing there.
 */
import { payloadBytes } from '../../run/subdivide.js';

/** The hybrid's limit: undefined (none) when any side has none, else the largest. */
export function largestPayload(limits: readonly (number | undefined)[]): number | undefined {
  if (limits.length === 0 || limits.some((n) => n === undefined)) return undefined;
  return Math.max(...(limits as number[]));
}

/** JSON sizes of object batches already measured: a waiting job is placed again at every freed slot. */
const measured = new WeakMap<object, number>();

function sizeOf(batch: unknown): number {
  if (typeof batch !== 'object' || batch === null) return payloadBytes(batch);
  let bytes = measured.get(batch);
  if (bytes === undefined) {
    bytes = payloadBytes(batch);
    measured.set(batch, bytes);
  }
  return bytes;
}

/**
 * True when `batch` is over a side's limit. Measured only when that limit is below the hybrid's (`overall`): fanout()
 * has already cut every batch to `overall`, so a side with that limit or none takes any batch without a look.
 */
export function exceedsLimit(batch: unknown, sideLimit: number | undefined, overall: number | undefined): boolean {
  if (sideLimit === undefined || (overall !== undefined && sideLimit >= overall)) return false;
  return sizeOf(batch) > sideLimit;
}
