/**
 * The one S3 protocol both ends speak for offloaded batches and partials: put bytes and get back their pointer (bucket,
 * key, size, sha256); get a pointer's bytes back only when the size and the sha256 match; delete what is done with.
 * Loads @aws-sdk/client-s3, so callers import this module only when an offload is possible.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import type { HttpHandlerOptions } from '@smithy/types';
import { isNetworkError } from '../backends/lambda/lambda-errors.js';
import { FanoutError } from '../errors.js';
import type { ObjectPointer } from '../far-side/wire.js';

/** What an object holds, for errors: `what` reads `batch 7` or `partial of batch 7`. */
export interface ObjectRole {
  what: string;
  batchId: string;
}

/** The SDK's abort signal: a real AbortSignal, or the lambda backend's per-attempt one (sdk-abort-signal.ts). */
export type SdkSignal = HttpHandlerOptions['abortSignal'];

/** Puts, reads and deletes offloaded objects in one bucket through one S3 client. */
export class ObjectStore {
  readonly #client: S3Client;

  constructor(client: S3Client) {
    this.#client = client;
  }

  /** Writes `bytes` at `bucket`/`key` and returns the pointer the reader will check them against. */
  async put(bucket: string, key: string, bytes: Uint8Array, signal?: SdkSignal): Promise<ObjectPointer> {
    await this.#client
      .send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: 'application/json' }),
        signal ? { abortSignal: signal } : {},
      )
      .catch((err: unknown) => {
        throw s3Fault(err, `put s3://${bucket}/${key}`);
      });
    return { bucket, key, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
  }

  /**
   * The object's bytes, checked against the pointer: EMISSING (retryable) when it is not there, EINTEGRITY (final)
   * when its size or sha256 differs.
   */
  async get(pointer: ObjectPointer, role: ObjectRole, signal?: SdkSignal): Promise<Buffer> {
    let bytes: Buffer;
    try {
      const reply = await this.#client.send(
        new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }),
        signal ? { abortSignal: signal } : {},
      );
      const body = reply.Body;
      if (!body) throw missing(pointer, role);
      const array = await body.transformToByteArray();
      bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    } catch (err) {
      if (err instanceof FanoutError) throw err;
      throw isMissing(err) ? missing(pointer, role, err) : s3Fault(err, `get s3://${pointer.bucket}/${pointer.key}`);
    }
    checkObject(pointer, bytes, role);
    return bytes;
  }

  /** Deletes the objects at `keys` (those already gone count as deleted). */
  async remove(bucket: string, keys: readonly string[], signal?: SdkSignal): Promise<void> {
    if (keys.length === 0) return;
    await this.#client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      signal ? { abortSignal: signal } : {},
    );
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.#client.destroy();
  }
}

/** Hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** EINTEGRITY unless `bytes` have the pointer's size and sha256. */
export function checkObject(pointer: ObjectPointer, bytes: Uint8Array, role: ObjectRole): void {
  const where = `s3://${pointer.bucket}/${pointer.key}`;
  const refuse = (why: string): FanoutError =>
    new FanoutError('EINTEGRITY', `${role.what} at ${where} ${why}: refusing it`, {
      batchId: role.batchId,
      retryable: false,
    });
  if (bytes.byteLength !== pointer.bytes)
    throw refuse(`is ${bytes.byteLength} bytes, its pointer says ${pointer.bytes}`);
  const sha = sha256Hex(bytes);
  if (sha !== pointer.sha256) throw refuse(`has sha256 ${sha}, its pointer says ${pointer.sha256}`);
}

function missing(pointer: ObjectPointer, role: ObjectRole, cause?: unknown): FanoutError {
  return new FanoutError('EMISSING', `${role.what} is missing from s3://${pointer.bucket}/${pointer.key}`, {
    batchId: role.batchId,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * An S3 fault as a typed error: 5xx → ESERVICE and a socket fault → ENETWORK (both retried), anything else (access
 * denied, no such bucket) → EREMOTE, final, with S3's own words.
 */
function s3Fault(err: unknown, what: string): FanoutError {
  if (err instanceof FanoutError) return err;
  const e = err as Partial<S3ServiceException> | null;
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
  if ((status !== undefined && status >= 500) || e?.$fault === 'server') {
    return new FanoutError('ESERVICE', `S3 could not ${what} (HTTP ${status ?? '5xx'}): ${detail}`, { cause: err });
  }
  if (status === undefined || isNetworkError(err)) {
    return new FanoutError('ENETWORK', `network fault on S3 ${what}: ${detail}`, { cause: err });
  }
  return new FanoutError('EREMOTE', `S3 refused to ${what} (HTTP ${status}): ${detail}`, {
    cause: err,
    retryable: false,
  });
}

function isMissing(err: unknown): boolean {
  const e = err as Partial<S3ServiceException> | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
