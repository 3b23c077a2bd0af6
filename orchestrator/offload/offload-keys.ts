/**
 * Where offloaded objects live in the bucket. Light on purpose (no SDK): the CLI, the IAM documents' test and both
 * ends read it.
 */
import { randomUUID } from 'node:crypto';

/**
 * Every offloaded object's key starts with this: the function's and the caller's IAM grant object access under it only,
 * and the bucket's lifecycle rule expires what is left there after a day.
 */
export const OFFLOAD_PREFIX = 'fanout-offload/';

/** The two objects of one offloaded attempt: the batch the caller may put, the partial the function may put. */
export interface AttemptKeys {
  batch: string;
  partial: string;
}

/** Fresh keys for one attempt of batch `batchId`: unique per attempt, so a late reply of an old attempt reads its own. */
export function attemptKeys(batchId: string): AttemptKeys {
  // batch ids are `7`, `7.0.1`: safe in a key as they are
  const base = `${OFFLOAD_PREFIX}${randomUUID()}/${batchId}`;
  return { batch: `${base}/batch.json`, partial: `${base}/partial.json` };
}
