/**
 * The function's half of S3 offload: read a batch the caller put (checked against its pointer), and put a reply too
 * large for the invoke where the caller said. The S3 client is made on the first offload of an execution environment:
 * a function that never offloads never loads the SDK.
 */
import { FanoutError } from '../errors.js';
import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../far-side/payload-limit.js';
import type { BatchReply, BatchRequest, ObjectPointer } from '../far-side/wire.js';
import type { ObjectStore } from './object-store.js';

let store: Promise<ObjectStore> | undefined;

/**
 * The execution environment's store. `AWS_ENDPOINT_URL_S3` names a local S3 server (the emulator's function gets it
 * from fanout); on AWS it is unset and the role's credentials reach the region's S3.
 */
function farStore(): Promise<ObjectStore> {
  store ??= Promise.all([import('./object-store.js'), import('./s3-client.js')]).then(
    ([{ ObjectStore }, { createS3Client }]) =>
      new ObjectStore(
        createS3Client({
          endpoint: process.env.AWS_ENDPOINT_URL_S3 || undefined,
          region: process.env.AWS_REGION ?? 'us-east-1',
          concurrency: 4,
        }),
      ),
  );
  return store;
}

/** The request's batch: inline, or read from S3 and checked (EMISSING when gone, EINTEGRITY when changed). */
export async function batchOf(request: BatchRequest, signal: AbortSignal): Promise<unknown> {
  const pointer = request.batchObject;
  if (!pointer) return request.batch;
  const bytes = await (await farStore()).get(
    pointer,
    { what: `batch ${request.batchId}`, batchId: request.batchId },
    signal,
  );
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

/**
 * The reply as it can cross the invoke: itself when its JSON fits; else, when the request said where, with the partial
 * put in S3 and a pointer in its place; else EPAYLOAD, as real Lambda would refuse it (`Function.ResponseSizeTooLarge`),
 * so the caller can subdivide the batch instead of retrying it.
 */
export async function fitReply(reply: BatchReply, request: BatchRequest, signal: AbortSignal): Promise<BatchReply> {
  const partialJson = JSON.stringify(reply.partial) ?? 'null';
  const envelope = Buffer.byteLength(JSON.stringify({ ...reply, partial: null })) - 'null'.length;
  const bytes = envelope + Buffer.byteLength(partialJson);
  const to = request.replyOffload;
  if (to && bytes > to.overBytes) {
    const pointer: ObjectPointer = await (await farStore()).put(to.bucket, to.key, Buffer.from(partialJson), signal);
    const { partial: _inline, ...rest } = reply;
    return { ...rest, partialObject: pointer };
  }
  if (bytes > LAMBDA_SYNC_PAYLOAD_BYTES) {
    throw new FanoutError(
      'EPAYLOAD',
      `reply of batch ${request.batchId} is ${bytes} bytes, over Lambda's ${LAMBDA_SYNC_PAYLOAD_BYTES}-byte response limit`,
      { batchId: request.batchId, retryable: false },
    );
  }
  return reply;
}
