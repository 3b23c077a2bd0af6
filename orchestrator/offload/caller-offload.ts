/**
 * The caller's half of S3 offload (see docs/lambda.md#s3-offload): an event over the threshold travels as a pointer to
 * the batch put in S3; every event says where the function may put a reply over the threshold; a reply with a pointer
 * is read back, checked and deleted. The objects of each attempt are deleted when it ends, whatever the outcome, and
 * those still out when the backend stops are deleted then; a run killed outright leaves them to the bucket's lifecycle
 * rule (they all live under {@link OFFLOAD_PREFIX}).
 */
import { FanoutError } from '../errors.js';
import type { BatchReply, BatchRequest } from '../far-side/wire.js';
import type { ObjectStore, SdkSignal } from './object-store.js';
import { type AttemptKeys, attemptKeys, OFFLOAD_PREFIX } from './offload-keys.js';

/** What joins the batch's JSON to the rest of the event (whose JSON always has fields: task, batchId). */
const BATCH_FIELD = ',"batch":';

/** Where and from what size on a caller offloads. */
export interface OffloadTarget {
  bucket: string;
  /** Events and replies whose JSON is larger go through S3. */
  overBytes: number;
}

/** One attempt's event, ready to invoke with, and what to release when the attempt ends. */
export interface PreparedEvent {
  payload: Uint8Array;
  keys: AttemptKeys;
  /** True when the batch went to S3 (the event holds its pointer). */
  offloaded: boolean;
}

/** Offloads the events and replies of one backend's invokes to one bucket. */
export class CallerOffload {
  readonly #store: ObjectStore;
  readonly #target: OffloadTarget;
  /** Objects of attempts still running, by the batch key. */
  readonly #outstanding = new Map<string, AttemptKeys>();

  constructor(store: ObjectStore, target: OffloadTarget) {
    if (!target.bucket) throw new FanoutError('EINTERNAL', 'CallerOffload without a bucket');
    this.#store = store;
    this.#target = target;
  }

  get target(): OffloadTarget {
    return { ...this.#target };
  }

  /**
   * The invoke payload for `event`: inline when it fits under the threshold, else with the batch put in S3 and its
   * pointer in its place. Either way the event says where a large reply goes.
   */
  async prepare(event: BatchRequest, signal?: SdkSignal): Promise<PreparedEvent> {
    const { bucket, overBytes } = this.#target;
    const keys = attemptKeys(event.batchId);
    const { batch, ...envelope } = event;
    const head = JSON.stringify({ ...envelope, replyOffload: { bucket, key: keys.partial, overBytes } });
    // the batch is stringified once: measured, then sent inline or put in S3 as it is
    const batchJson = JSON.stringify(batch) ?? 'null';
    this.#outstanding.set(keys.batch, keys);
    if (Buffer.byteLength(head) + Buffer.byteLength(batchJson) + BATCH_FIELD.length <= overBytes) {
      return { payload: Buffer.from(`${head.slice(0, -1)}${BATCH_FIELD}${batchJson}}`), keys, offloaded: false };
    }
    const pointer = await this.#store.put(bucket, keys.batch, Buffer.from(batchJson), signal);
    return {
      payload: Buffer.from(`${head.slice(0, -1)},"batchObject":${JSON.stringify(pointer)}}`),
      keys,
      offloaded: true,
    };
  }

  /** The reply's partial: inline, or read from S3 and checked against its pointer (EMISSING, EINTEGRITY). */
  async partialOf(reply: BatchReply, signal?: SdkSignal): Promise<unknown> {
    const pointer = reply.partialObject;
    if (!pointer) return reply.partial;
    if (pointer.bucket !== this.#target.bucket || !pointer.key.startsWith(OFFLOAD_PREFIX)) {
      throw new FanoutError(
        'EREMOTE',
        `reply of batch ${reply.batchId} points outside the offload prefix: s3://${pointer.bucket}/${pointer.key}`,
        { batchId: reply.batchId, retryable: false },
      );
    }
    const bytes = await this.#store.get(
      pointer,
      { what: `partial of batch ${reply.batchId}`, batchId: reply.batchId },
      signal,
    );
    return JSON.parse(bytes.toString('utf8')) as unknown;
  }

  /**
   * Ends an attempt: deletes its objects when any may exist — the batch it put, the partial the function put or may
   * have put (a failed or lost reply) — and nothing when the attempt went inline both ways.
   */
  async release(prepared: PreparedEvent, replied: BatchReply | undefined): Promise<void> {
    const { keys } = prepared;
    this.#outstanding.delete(keys.batch);
    const keysToGo = [
      ...(prepared.offloaded ? [keys.batch] : []),
      ...(replied === undefined || replied.partialObject ? [keys.partial] : []),
    ];
    await this.#store.remove(this.#target.bucket, keysToGo);
  }

  /** Deletes the objects of attempts still out (a run stopped or interrupted mid-offload), then closes the client. */
  async close(): Promise<void> {
    const keys = [...this.#outstanding.values()].flatMap((k) => [k.batch, k.partial]);
    this.#outstanding.clear();
    try {
      await this.#store.remove(this.#target.bucket, keys, AbortSignal.timeout(5000));
    } finally {
      this.#store.destroy();
    }
  }
}
