import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../../orchestrator/emulator/local-s3.js';
import { isFanoutError } from '../../../orchestrator/errors.js';
import { type BatchReply, BatchRequestSchema } from '../../../orchestrator/far-side/wire.js';
import { CallerOffload } from '../../../orchestrator/offload/caller-offload.js';
import { ObjectStore, sha256Hex } from '../../../orchestrator/offload/object-store.js';
import { OFFLOAD_PREFIX } from '../../../orchestrator/offload/offload-keys.js';
import { createS3Client } from '../../../orchestrator/offload/s3-client.js';
import { keysIn, localS3Client } from '../../helpers/local-s3-bucket.js';
import { isRunning } from '../../helpers/process-tree.js';

describe('the pointer protocol against a real local S3 server (s3rver, stopped by PID)', () => {
  let s3: LocalS3;
  let peek: S3Client;
  let store: ObjectStore;

  beforeAll(async () => {
    s3 = await startLocalS3();
    peek = localS3Client(s3.endpoint);
    store = new ObjectStore(
      createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', concurrency: 2, local: true }),
    );
  }, 60_000);
  afterAll(async () => {
    peek?.destroy();
    store?.destroy();
    await s3?.stop();
    expect(isRunning(s3.pid)).toBe(false);
  });

  const offload = (overBytes: number): CallerOffload => new CallerOffload(store, { bucket: s3.bucket, overBytes });
  const event = (batch: unknown) => ({ task: 't', version: 'v1', batchId: '7', batch });

  it('a small event goes inline, naming where a large reply may go; nothing is put', async () => {
    // Act
    const o = offload(1000);
    const p = await o.prepare(event({ n: 1 }));
    const sent = JSON.parse(Buffer.from(p.payload).toString('utf8'));
    await o.release(p, { batchId: '7', partial: 1 });
    // Assess
    expect(p.offloaded).toBe(false);
    expect(BatchRequestSchema.safeParse(sent).success).toBe(true);
    expect(sent).toEqual({
      ...event({ n: 1 }),
      replyOffload: { bucket: s3.bucket, key: p.keys.partial, overBytes: 1000 },
    });
    expect(p.keys.partial.startsWith(OFFLOAD_PREFIX)).toBe(true);
    expect(await keysIn(peek, s3.bucket)).toEqual([]);
  });

  it('a large event is put and sent as a pointer with the exact size and sha256; release deletes it', async () => {
    // Prepare
    const o = offload(1000);
    const batch = { blob: 'é'.repeat(2000) };
    // Act
    const p = await o.prepare(event(batch));
    const sent = JSON.parse(Buffer.from(p.payload).toString('utf8'));
    const inBucket = await keysIn(peek, s3.bucket);
    const back = await store.get(sent.batchObject, { what: 'batch 7', batchId: '7' });
    await o.release(p, { batchId: '7', partial: 1 });
    // Assess
    const bytes = Buffer.from(JSON.stringify(batch));
    expect(p.offloaded).toBe(true);
    expect(sent.batch).toBeUndefined();
    expect(sent.batchObject).toEqual({
      bucket: s3.bucket,
      key: p.keys.batch,
      bytes: bytes.length,
      sha256: sha256Hex(bytes),
    });
    expect(inBucket).toEqual([p.keys.batch]);
    expect(JSON.parse(back.toString('utf8'))).toEqual(batch);
    expect(await keysIn(peek, s3.bucket)).toEqual([]);
  });

  it('reads an offloaded partial back; a changed one is EINTEGRITY, a missing one EMISSING (retryable)', async () => {
    // Prepare: a partial as the function would put it
    const o = offload(1000);
    const p = await o.prepare(event({ n: 1 }));
    const partial = { words: ['a', 'b'] };
    const pointer = await store.put(s3.bucket, p.keys.partial, Buffer.from(JSON.stringify(partial)));
    const reply: BatchReply = { batchId: '7', partialObject: pointer };
    // Act
    const read = await o.partialOf(reply);
    await peek.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: pointer.key, Body: JSON.stringify({ words: ['a', 'c'] }) }),
    );
    const changed = await o.partialOf(reply).catch((e: unknown) => e);
    await o.release(p, reply);
    const missing = await o.partialOf(reply).catch((e: unknown) => e);
    // Assess
    expect(read).toEqual(partial);
    expect(isFanoutError(changed, 'EINTEGRITY')).toBe(true);
    expect((changed as { retryable: boolean }).retryable).toBe(false);
    expect((changed as Error).message).toMatch(
      /^partial of batch 7 at s3:\/\/\S+ has sha256 [0-9a-f]{64}, its pointer says [0-9a-f]{64}: refusing it$/,
    );
    expect(isFanoutError(missing, 'EMISSING')).toBe(true);
    expect((missing as { retryable: boolean }).retryable).toBe(true);
    expect(await keysIn(peek, s3.bucket)).toEqual([]);
  });

  it('refuses a reply pointing outside its bucket or prefix', async () => {
    // Act
    const o = offload(1000);
    const err = await o
      .partialOf({
        batchId: '7',
        partialObject: { bucket: s3.bucket, key: 'other/x', bytes: 1, sha256: 'a'.repeat(64) },
      })
      .catch((e: unknown) => e);
    // Assess
    expect(isFanoutError(err, 'EREMOTE')).toBe(true);
  });

  it('close deletes the objects of attempts still out (a stopped run)', async () => {
    // Prepare: a second store, since close also closes its client
    const own = new ObjectStore(
      createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', concurrency: 2, local: true }),
    );
    const o = new CallerOffload(own, { bucket: s3.bucket, overBytes: 10 });
    await o.prepare(event({ blob: 'x'.repeat(100) }));
    await o.prepare({ ...event({ blob: 'y'.repeat(100) }), batchId: '8' });
    const before = await keysIn(peek, s3.bucket);
    // Act
    await o.close();
    // Assess
    expect(before).toHaveLength(2);
    expect(await keysIn(peek, s3.bucket)).toEqual([]);
  });
});
