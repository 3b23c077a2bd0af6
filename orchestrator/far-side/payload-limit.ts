/**
 * Lambda's limit for a synchronous (RequestResponse) request or response payload: 6 MB. The caller keeps its events
 * under it; the handler refuses a reply over it, as real Lambda would. (A file of its own: the CLI reads it without
 * loading the wire's schemas.)
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
