/**
 * Lambda's limit for a synchronous (RequestResponse) request or response payload: 6 MB. The caller keeps its events
 * under it; the handler refuses a reply over it, as real Lambda would. (A file of its own: the CLI reads it without
 * loading the wire's schemas.)
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Room kept for the event envelope (`{"task":…,"version":…,"batchId":…,"batch":…}`) around the batch itself. */
export const ENVELOPE_RESERVE_BYTES = 4 * 1024;

/**
 * The default S3 offload threshold: an event or a reply whose JSON is larger travels through S3 and only a pointer goes
 * over the invoke. Measured on the whole encoded event or reply, so the envelope (and any captured task output) counts;
 * the reserve keeps room for an envelope Lambda itself may grow. `--offload-bytes` lowers it, never raises it.
 */
export const OFFLOAD_OVER_BYTES = LAMBDA_SYNC_PAYLOAD_BYTES - ENVELOPE_RESERVE_BYTES;
