import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../../../orchestrator/backends/lambda/lambda-backend.js';
import { isRequestTimeout } from '../../../../orchestrator/backends/lambda/lambda-client.js';
import { FanoutError } from '../../../../orchestrator/errors.js';
import { ENDPOINT, INVOKE_PATH, lambdaScope, workerReply } from '../../../helpers/nock-lambda.js';
import { runOnce } from '../../../helpers/run-once.js';

describe('per-invoke deadline (the handler request timeout)', () => {
  let backend: LambdaBackend | undefined;
  beforeAll(() => nock.disableNetConnect());
  beforeEach(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  });
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
    nock.cleanAll();
  });
  afterAll(() => nock.enableNetConnect());

  it('a reply later than invokeTimeoutMs fails the attempt with ETIMEOUT', async () => {
    // Prepare: the reply comes after 1.5 s, the deadline is 200 ms
    const scope = lambdaScope().post(INVOKE_PATH).delay(1500).reply(200, '{}');
    backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 1, invokeTimeoutMs: 200 });
    await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
    // Act
    const t0 = performance.now();
    const err = await runOnce(backend, { id: 'b0', batch: { index: 0, ms: 0 }, attempt: 1 }).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    // Assess
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).code).toBe('ETIMEOUT');
    expect((err as FanoutError).message).toContain('within 200 ms');
    expect(isRequestTimeout((err as FanoutError).cause)).toBe(true);
    expect(ms).toBeLessThan(1400);
    expect(scope.isDone()).toBe(true);
  });

  it('a reply within the deadline succeeds, and the caller can still cancel', async () => {
    // Prepare
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .reply(async (_uri, body) => workerReply(body))
      .post(INVOKE_PATH)
      .delay(2000)
      .reply(200, '{}');
    backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 2, invokeTimeoutMs: 5000 });
    await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
    // Act
    const ok = await runOnce(backend, { id: 'b1', batch: { index: 1, ms: 0 }, attempt: 1 });
    const cancel = new AbortController();
    const pending = runOnce(backend, { id: 'b2', batch: { index: 2, ms: 0 }, attempt: 1 }, cancel.signal);
    setTimeout(() => cancel.abort(new Error('cancelled by the test')), 50);
    const err = await pending.catch((e: unknown) => e);
    // Assess
    expect(ok.partial).toEqual({ batches: 1, sleptMs: 0 });
    expect((err as Error).message).toBe('cancelled by the test');
    expect(scope.isDone()).toBe(true);
  });
});
