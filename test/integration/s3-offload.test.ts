import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../orchestrator/backends/backend.js';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { LambdaBackend } from '../../orchestrator/backends/lambda/lambda-backend.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { type Emulator, openEmulator } from '../../orchestrator/emulator/emulator-owner.js';
import { LOCAL_S3_CREDENTIALS } from '../../orchestrator/emulator/local-s3-credentials.js';
import { isFanoutError } from '../../orchestrator/errors.js';
import { type FanoutResult, fanout, resolveTask } from '../../orchestrator/fanout.js';
import type { ObjectPointer } from '../../orchestrator/far-side/wire.js';
import { OFFLOAD_PREFIX } from '../../orchestrator/offload/offload-keys.js';
import type { RunStats } from '../../orchestrator/stats.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { letters, sha } from '../fixtures/offload-tasks/big-payloads.js';
import { type FaultProxy, startFaultProxy } from '../helpers/invoke-fault-proxy.js';
import { keysIn, localS3Client } from '../helpers/local-s3-bucket.js';

const TASK = fileURLToPath(new URL('../fixtures/offload-tasks/big-payloads.ts', import.meta.url));

/** The answer of big-payloads, computed here the way the task does. */
function expected(batches: number, partialMb: number, batchMb: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < batches; i++) {
    out[i] = { blobSha: sha(letters(i + 1, batchMb)), echoSha: sha(letters(i + 1000, partialMb)) };
  }
  return out;
}

function okOnce(stats: RunStats): boolean {
  const ok = stats.records.filter((r) => r.stage === 'cpu' && r.status === 'ok').map((r) => r.batchId);
  return new Set(ok).size === ok.length && ok.length === stats.batches;
}

describe('S3 offload through the emulator and a real local S3 server (s3rver)', () => {
  let emulator: Emulator;
  let s3: S3Client;
  let bucket: string;
  let ref: TaskRef;

  /** Runs the task on `backend`, started and stopped around the run as `fanout()` leaves to an instance's owner. */
  async function runOn(backend: Backend, input: object, speculate?: boolean): Promise<FanoutResult<unknown>> {
    await backend.start({ task: ref });
    try {
      return await fanout(TASK, input, { backend, ...(speculate === undefined ? {} : { speculate }) });
    } finally {
      await backend.stop();
    }
  }

  beforeAll(async () => {
    // the local server's key pair stands in for the dummy credentials (the emulator takes any)
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_S3_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_S3_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    ref = (await resolveTask(TASK)).ref;
    emulator = await openEmulator({ task: ref, concurrency: 4 });
    if (!emulator.s3) throw new Error('no local S3 server');
    s3 = localS3Client(emulator.s3.endpoint);
    bucket = emulator.s3.bucket;
  }, 120_000);
  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
    vi.unstubAllEnvs();
  });

  function lambda(endpoint = emulator.endpoint): LambdaBackend {
    return new LambdaBackend({
      endpoint,
      offloadBucket: bucket,
      s3Endpoint: emulator.s3?.endpoint as string,
      concurrency: 2,
      invokeTimeoutMs: 60_000,
    });
  }

  it.each([
    ['a 7 MB batch', 2, 7, 0.01],
    ['a 7 MB partial', 2, 0.01, 7],
    ['a 20 MB batch and partial', 1, 20, 20],
  ])('lambda: %s, exact, nothing left in the bucket', async (_name, batches, batchMb, partialMb) => {
    // Act
    const { result, stats } = await runOn(lambda(), { batches, batchMb, partialMb });
    // Assess
    expect(result).toEqual(expected(batches, partialMb, batchMb));
    expect(stats.byBackend.lambda?.batches).toBe(batches);
    expect(stats.retries).toBe(0);
    expect(okOnce(stats)).toBe(true);
    expect(await keysIn(s3, bucket)).toEqual([]);
  });

  it.each([
    ['a 7 MB batch', 7, 0.01],
    ['a 7 MB partial', 0.01, 7],
  ])('hybrid: %s on the Lambda side, exact, nothing left in the bucket', async (_name, batchMb, partialMb) => {
    // Prepare: the process side takes 4 s a batch, so the Lambda side gets most of them
    const hybrid = new HybridBackend({ local: new ProcessBackend({ workers: 1 }), remote: lambda() });
    // Act
    const { result, stats } = await runOn(hybrid, { batches: 4, batchMb, partialMb, localMs: 4000 }, false);
    // Assess
    expect(result).toEqual(expected(4, partialMb, batchMb));
    expect(stats.byBackend.lambda?.batches).toBeGreaterThan(0);
    expect(okOnce(stats)).toBe(true);
    expect(await keysIn(s3, bucket)).toEqual([]);
  });

  describe('tampering between the caller and the function (a proxy in front of the Invoke API)', () => {
    let proxy: FaultProxy | undefined;
    afterAll(async () => proxy?.close());

    it('an offloaded batch deleted before the function reads it: EMISSING, retried, exact', async () => {
      // Prepare: the first invoke of batch 1 finds its object gone
      const deleted: string[] = [];
      proxy = await startFaultProxy(
        emulator.endpoint,
        () => undefined,
        async (event, attempt) => {
          const pointer = event.batchObject as ObjectPointer | undefined;
          if (event.batchId !== '1' || attempt !== 1 || !pointer) return;
          await s3.send(new DeleteObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
          deleted.push(pointer.key);
        },
      );
      // Act
      const { result, stats } = await runOn(lambda(proxy.url), { batches: 2, batchMb: 7, partialMb: 0.01 });
      await proxy.close();
      proxy = undefined;
      // Assess
      expect(deleted).toHaveLength(1);
      expect(deleted[0]?.startsWith(OFFLOAD_PREFIX)).toBe(true);
      expect(result).toEqual(expected(2, 0.01, 7));
      const failed = stats.records.filter((r) => r.status === 'error');
      expect(failed.map((r) => [r.batchId, r.errorCode])).toEqual([['1', 'EMISSING']]);
      expect(stats.retries).toBe(1);
      expect(okOnce(stats)).toBe(true);
      expect(await keysIn(s3, bucket)).toEqual([]);
    });

    it('an offloaded batch altered in flight (same size): EINTEGRITY, no answer, nothing left', async () => {
      // Prepare: batch 0's object is overwritten with as many different bytes
      proxy = await startFaultProxy(
        emulator.endpoint,
        () => undefined,
        async (event) => {
          const pointer = event.batchObject as ObjectPointer | undefined;
          if (event.batchId !== '0' || !pointer) return;
          const other = Buffer.from(JSON.stringify({ i: 0, blob: letters(99, 7), partialMb: 0.01, localMs: 0 }));
          const body = Buffer.alloc(pointer.bytes, 0x20);
          other.copy(body, 0, 0, Math.min(other.length, body.length));
          await s3.send(new PutObjectCommand({ Bucket: pointer.bucket, Key: pointer.key, Body: body }));
        },
      );
      // Act
      const err = await runOn(lambda(proxy.url), { batches: 1, batchMb: 7, partialMb: 0.01 }).catch((e: unknown) => e);
      await proxy.close();
      proxy = undefined;
      // Assess: refused at once (never retried), with the pointer's sha256 named, and no result
      expect(isFanoutError(err, 'EINTEGRITY')).toBe(true);
      expect((err as Error).message).toMatch(
        /^batch 0 at s3:\/\/fanout-offload\/fanout-offload\/\S+ has sha256 [0-9a-f]{64}, its pointer says [0-9a-f]{64}: refusing it$/,
      );
      expect((err as { partial?: { batchesMerged: number } }).partial?.batchesMerged ?? 0).toBe(0);
      expect(await keysIn(s3, bucket)).toEqual([]);
    });
  });
});
