import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LambdaBackend } from '../../../../orchestrator/backends/lambda/lambda-backend.js';
import { encodeEvent } from '../../../../orchestrator/backends/lambda/payload.js';
import { isFanoutError } from '../../../../orchestrator/errors.js';
import { fanout, resolveTask } from '../../../../orchestrator/fanout.js';
import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../../../../orchestrator/far-side/payload-limit.js';
import blobs from '../../../fixtures/blob-tasks/blobs.js';
import { ENDPOINT, eventOf, INVOKE_PATH, lambdaScope } from '../../../helpers/nock-lambda.js';

const BLOBS = fileURLToPath(new URL('../../../fixtures/blob-tasks/blobs.ts', import.meta.url));
const STUBBORN = fileURLToPath(new URL('../../../fixtures/blob-tasks/stubborn.ts', import.meta.url));

describe('LambdaBackend payload limit', () => {
  beforeAll(() => {
    nock.disableNetConnect();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    vi.unstubAllEnvs();
  });

  it('subdivides a batch over 6 MB before sending, and every invoke stays under the limit', async () => {
    // Prepare
    const sizes: number[] = [];
    const ids: string[] = [];
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .times(2)
      .reply((_uri, body) => {
        const raw = typeof body === 'string' ? body : JSON.stringify(body);
        sizes.push(Buffer.byteLength(raw));
        const event = eventOf(body);
        ids.push(event.batchId);
        const partial = blobs.map(event.batch as { items: string[] }, { signal: new AbortController().signal });
        return [
          200,
          JSON.stringify({
            batchId: event.batchId,
            partial,
            cpuMs: 1,
            durationMs: 1,
            coldStart: false,
            instanceId: 'n',
          }),
        ];
      });
    const { ref } = await resolveTask(BLOBS);
    const backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 2 });
    await backend.start({ task: ref });
    try {
      // Act
      const { result, stats } = await fanout(BLOBS, { items: 8 }, { backend });
      // Assess
      expect(result).toEqual({ items: 8, chars: 8 << 20 });
      expect(ids.sort()).toEqual(['0.0', '0.1']);
      expect(stats.batches).toBe(2);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
      expect(scope.isDone()).toBe(true);
    } finally {
      await backend.stop();
    }
  });

  it('fails with EPAYLOAD, sending nothing, when the task cannot subdivide an oversize batch', async () => {
    // Prepare: no interceptor, and net connect disabled: any request would fail differently
    const { ref } = await resolveTask(STUBBORN);
    const backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 2 });
    await backend.start({ task: ref });
    try {
      // Act
      const err = await fanout(STUBBORN, { items: 8 }, { backend }).catch((e: unknown) => e);
      // Assess
      expect(isFanoutError(err, 'EPAYLOAD')).toBe(true);
      expect((err as Error).message).toMatch(/payload limit.*--batch-size/);
    } finally {
      await backend.stop();
    }
  });

  it('refuses to encode an event over the limit (safety net for callers that bypass fanout)', () => {
    // Act
    const encode = (): Uint8Array => encodeEvent({ task: 't', batchId: '7', batch: 'x'.repeat(100) }, 50);
    // Assess
    expect(encode).toThrow(/batch 7 encodes to \d+ bytes, over Lambda's 50-byte payload limit/);
  });
});
