import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../far-side/payload-limit.js';

/**
 * The AWS Lambda limits the scale model plans against (AWS docs, "Lambda quotas" and "Lambda scaling behavior"):
 * - 1,000 concurrent executions per account and region by default (a quota that can be raised: `--account-concurrency`);
 * - each function adds at most 1,000 execution environments every 10 seconds, whatever the account quota;
 * - 6 MB request and 6 MB response for synchronous (RequestResponse) invokes;
 * - one full vCPU at 1,769 MB of memory, CPU share proportional to memory below that;
 * - 900 s timeout per invoke.
 */
export const LAMBDA_LIMITS = {
  /** Default account concurrency quota (concurrent executions). */
  accountConcurrency: 1_000,
  /** Execution environments a function may add per scaling step. */
  scaleStepEnvironments: 1_000,
  /** Length of one scaling step, ms. */
  scaleStepMs: 10_000,
  /** Synchronous request and response payload limit, bytes. */
  syncPayloadBytes: LAMBDA_SYNC_PAYLOAD_BYTES,
  /** Memory at which a function has one full vCPU, MB. */
  fullVcpuMemoryMb: 1_769,
  /** Longest invoke, ms. */
  maxTimeoutMs: 900_000,
  /** Largest fan-out `fanout plan` models. */
  maxBatches: 10_000,
} as const;
