/**
 * What S3 offload adds to a planned fan-out: which sampled batches would go through S3, and per batch the S3 requests,
 * their price and the time the function spends on them (a plan's `perBatchExtras`). Light: no SDK.
 */
import type { PerBatchExtra } from '../plan/scale-model.js';

/** S3 Standard request prices, us-east-1 (USD per request; DELETE is free). */
export const S3_REQUEST_USD = { put: 0.005 / 1000, get: 0.0004 / 1000 } as const;

/**
 * The function's time on one S3 request of `bytes`, ms: a first-byte latency plus the bytes at one stream's rate. An
 * assumption, not a measurement (AWS publishes none for one Lambda stream): ~20 ms and ~80 MB/s, what a single
 * GET or PUT from Lambda commonly reaches in-region.
 */
export function s3RequestMs(bytes: number): number {
  return 20 + bytes / ((80 * 1024 * 1024) / 1000);
}

/** A sampled batch's sizes, and which of them go through S3. */
export interface SampledOffload {
  /** Index of the sampled batch in the split (0 is the untimed warm-up). */
  batch: number;
  requestBytes: number;
  responseBytes: number;
  /** The event goes through S3. */
  event: boolean;
  /** The reply goes through S3. */
  reply: boolean;
}

/** Which of the sampled batches' events and replies are over `overBytes`. */
export function sampledOffloads(
  sizes: readonly { batch: number; requestBytes: number; responseBytes: number }[],
  overBytes: number,
): SampledOffload[] {
  return sizes.map((s) => ({
    ...s,
    event: s.requestBytes > overBytes,
    reply: s.responseBytes > overBytes,
  }));
}

/**
 * The S3 offload's charge per batch, averaged over the sample (a sample where 1 of 4 batches offloads its event costs a
 * quarter of one offload per batch); undefined when no sampled batch offloads. An offloaded event is a PUT (caller) and
 * a GET (function); an offloaded reply a PUT (function) and a GET (caller); either adds one DeleteObjects (free). The
 * function's time is its GET of the event and its PUT of the reply.
 */
export function offloadExtra(sample: readonly SampledOffload[]): PerBatchExtra | undefined {
  const offloaded = sample.filter((s) => s.event || s.reply);
  if (offloaded.length === 0) return undefined;
  let requests = 0;
  let usd = 0;
  let ms = 0;
  for (const s of offloaded) {
    const transfers = (s.event ? 1 : 0) + (s.reply ? 1 : 0);
    requests += transfers * 2 + 1;
    usd += transfers * (S3_REQUEST_USD.put + S3_REQUEST_USD.get);
    ms += (s.event ? s3RequestMs(s.requestBytes) : 0) + (s.reply ? s3RequestMs(s.responseBytes) : 0);
  }
  const n = sample.length;
  return {
    what: 'S3 offload (PUT + GET per offloaded event or reply, one DELETE)',
    requests: requests / n,
    usd: usd / n,
    ms: ms / n,
  };
}
