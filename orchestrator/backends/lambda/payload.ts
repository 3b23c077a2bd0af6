import { FanoutError } from '../../errors.js';
import { ENVELOPE_RESERVE_BYTES, LAMBDA_SYNC_PAYLOAD_BYTES } from '../../far-side/payload-limit.js';
import type { BatchRequest } from '../../far-side/wire.js';

/**
 * Largest batch (JSON bytes) the backend sends when it cannot offload to S3; `fanout()` subdivides bigger batches
 * before they are sent, so a 6 MB payload never travels just to be refused.
 */
export const MAX_BATCH_PAYLOAD_BYTES = LAMBDA_SYNC_PAYLOAD_BYTES - ENVELOPE_RESERVE_BYTES;

/** The event the worker function receives: the far side's batch request (far-side/wire.ts). */
export type WorkerEventJson = BatchRequest;

/**
 * Encodes the invoke payload. The final size check is a safety net for callers that bypass `fanout()`'s splitting:
 * an oversize event fails here with EPAYLOAD instead of as a 413 from the service.
 */
export function encodeEvent(
  event: WorkerEventJson,
  limit = LAMBDA_SYNC_PAYLOAD_BYTES,
  fix = 'use a smaller --batch-size',
): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(event));
  if (bytes.byteLength > limit) {
    throw new FanoutError(
      'EPAYLOAD',
      `batch ${event.batchId} encodes to ${bytes.byteLength} bytes, over Lambda's ${limit}-byte payload limit; ${fix}`,
      { batchId: event.batchId, retryable: false },
    );
  }
  return bytes;
}
