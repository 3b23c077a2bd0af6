import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LambdaBackend } from '../../../../orchestrator/backends/lambda/lambda-backend.js';
import { isFanoutError } from '../../../../orchestrator/errors.js';
import { fanout } from '../../../../orchestrator/fanout.js';
import { countPrimesInRange } from '../../../../orchestrator/tasks/prime-sieve.js';
import type { TaskRef } from '../../../../orchestrator/tasks/task.js';
import { ENDPOINT, eventOf, INVOKE_PATH, lambdaScope, workerReply } from '../../../helpers/nock-lambda.js';

const PRIMES: TaskRef = { kind: 'builtin', name: 'primes' };

/** A started backend against the nock endpoint. */
async function startedBackend(concurrency = 4): Promise<LambdaBackend> {
  const backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency });
  await backend.start({ task: PRIMES });
  return backend;
}

/** Merged ids must be distinct and cover exactly the batches: no batch merged twice, none lost. */
function okIds(records: { batchId: string; status: string }[]): string[] {
  return records.filter((r) => r.status === 'ok').map((r) => r.batchId);
}

describe('LambdaBackend against a nock Invoke API', () => {
  let backend: LambdaBackend | undefined;

  beforeAll(() => {
    nock.disableNetConnect();
  });
  beforeEach(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await backend?.stop();
    backend = undefined;
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });

  it('runs every batch as an invoke and merges the exact answer', async () => {
    // Prepare
    const seen: string[] = [];
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .times(4)
      .reply(async (_uri, body) => {
        seen.push(eventOf(body).batchId);
        return workerReply(body);
      });
    backend = await startedBackend();
    // Act
    const { result, stats } = await fanout('primes', { limit: 100_000 }, { backend, batchSize: 25_000 });
    // Assess
    expect(result).toEqual({ count: 9592 });
    expect(stats.batches).toBe(4);
    expect(seen.sort()).toEqual(['0', '1', '2', '3']);
    expect(stats.byBackend.lambda?.batches).toBe(4);
    expect(stats.records.every((r) => r.workerId.startsWith('lambda-') && r.side === 'lambda')).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it("carries a cold start's INIT time from the reply into its record and the run's billing totals", async () => {
    // Prepare: instance a is cold (INIT 212.5 ms) for batch 0 and warm for batch 1
    let n = 0;
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .times(2)
      .reply((_uri, body) => {
        const { batchId } = eventOf(body);
        const cold = n++ === 0;
        return [
          200,
          JSON.stringify({
            batchId,
            partial: { count: 4 }, // four primes below 10, four from 10 to 19
            cpuMs: 1,
            durationMs: 10.2,
            coldStart: cold,
            ...(cold ? { initMs: 212.5 } : {}),
            instanceId: 'a',
          }),
        ];
      });
    backend = await startedBackend(1);
    // Act
    const { stats } = await fanout('primes', { limit: 20 }, { backend, batchSize: 10 });
    // Assess: 10.2 + 212.5 → 223 ms billed, 10.2 → 11 ms; INIT added 223 − 11 = 212 ms
    const cold = stats.records.filter((r) => r.coldStart);
    expect(cold).toHaveLength(1);
    expect(cold[0]?.initMs).toBe(212.5);
    expect(stats.records.filter((r) => r.initMs !== undefined)).toHaveLength(1);
    expect(stats.billing).toMatchObject({
      lambdaRequests: 2,
      lambdaBilledMs: 234,
      lambdaColdStarts: 1,
      lambdaInitMs: 212.5,
      lambdaInitBilledMs: 212,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('backs off on 429 TooManyRequestsException, lowers the in-flight limit, then succeeds', async () => {
    // Prepare
    const times: number[] = [];
    let capacityAtRetry = 0;
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .reply(() => {
        times.push(Date.now());
        return [
          429,
          { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' },
          { 'x-amzn-ErrorType': 'TooManyRequestsException', 'Retry-After': '1' },
        ];
      })
      .post(INVOKE_PATH)
      .reply(async (_uri, body) => {
        times.push(Date.now());
        capacityAtRetry = backend?.capacity() ?? -1;
        return workerReply(body);
      });
    backend = await startedBackend(8);
    // Act
    const { result, stats } = await fanout('primes', { limit: 1000 }, { backend, batchSize: 1000 });
    // Assess
    expect(result).toEqual({ count: 168 });
    expect(stats.records.filter((r) => r.errorCode === 'ETHROTTLED')).toHaveLength(1);
    expect(capacityAtRetry).toBe(4);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(900); // Retry-After: 1 s was honoured
    // the throttled invoke is an attempt in the records, retried by the scheduler (the one retry policy)
    expect(stats.retries).toBe(1);
    expect(stats.records.map((r) => [r.attempt, r.status, r.errorCode])).toEqual([
      [1, 'error', 'ETHROTTLED'],
      [2, 'ok', undefined],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('one budget per batch: throttles use throttleRetries, faults use retries, every invoke is a record', async () => {
    // Prepare: 429, 500, 429, then the reply; retries: 1 covers the one 500, throttleRetries: 2 the two 429s
    const throttle = [
      429,
      { Reason: 'ConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.' },
      { 'x-amzn-ErrorType': 'TooManyRequestsException' },
    ] as const;
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .reply(...throttle)
      .post(INVOKE_PATH)
      .reply(500, { message: 'Internal failure' }, { 'x-amzn-ErrorType': 'ServiceException' })
      .post(INVOKE_PATH)
      .reply(...throttle)
      .post(INVOKE_PATH)
      .reply(async (_uri, body) => workerReply(body));
    backend = await startedBackend(2);
    // Act
    const { result, stats } = await fanout(
      'primes',
      { limit: 1000 },
      { backend, batchSize: 1000, retries: 1, throttleRetries: 2 },
    );
    // Assess
    expect(result).toEqual({ count: 168 });
    expect(stats.records.map((r) => [r.attempt, r.errorCode ?? r.status])).toEqual([
      [1, 'ETHROTTLED'],
      [2, 'ESERVICE'],
      [3, 'ETHROTTLED'],
      [4, 'ok'],
    ]);
    expect(stats.retries).toBe(3);
    expect(scope.isDone()).toBe(true);
  });

  it('a batch throttled past its budget fails after exactly 1 + throttleRetries invokes (no inner loop)', async () => {
    // Prepare: every invoke throttled; a fourth invoke would find no interceptor (net connect is disabled)
    let invokes = 0;
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .times(3)
      .reply(() => {
        invokes++;
        return [
          429,
          { Reason: 'ConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.' },
          { 'x-amzn-ErrorType': 'TooManyRequestsException' },
        ];
      });
    backend = await startedBackend(2);
    // Act
    const err = await fanout('primes', { limit: 1000 }, { backend, batchSize: 1000, throttleRetries: 2 }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(isFanoutError(err, 'ETHROTTLED')).toBe(true);
    expect((err as Error).message).toMatch(/^batch 0 failed after 3 attempts: Lambda throttled batch 0/);
    expect(invokes).toBe(3);
    expect(scope.isDone()).toBe(true);
  });

  it('recovers the limit one slot per window of successes after a throttle', async () => {
    // Prepare
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .reply(
        429,
        { Reason: 'ConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.' },
        {
          'x-amzn-ErrorType': 'TooManyRequestsException',
        },
      )
      .post(INVOKE_PATH)
      .times(12)
      .reply(async (_uri, body) => workerReply(body));
    backend = await startedBackend(4);
    // Act: 12 batches, one at a time, so the windows are deterministic
    const { result, stats } = await fanout('primes', { limit: 120_000 }, { backend, batchSize: 10_000, retries: 0 });
    // Assess: 4 → 2 on the throttle; 2 successes → 3; 3 more → 4 (never above the maximum)
    expect(result).toEqual({ count: countPrimesInRange(0, 120_000) });
    expect(stats.records.filter((r) => r.errorCode === 'ETHROTTLED')).toHaveLength(1);
    expect(backend.capacity()).toBe(4);
    expect(scope.isDone()).toBe(true);
  });

  it('retries a 500 ServiceException and gets the exact answer', async () => {
    // Prepare
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .reply(500, { message: 'Internal failure' }, { 'x-amzn-ErrorType': 'ServiceException' })
      .post(INVOKE_PATH)
      .times(2)
      .reply(async (_uri, body) => workerReply(body));
    backend = await startedBackend(1);
    // Act
    const { result, stats } = await fanout('primes', { limit: 20_000 }, { backend, batchSize: 10_000 });
    // Assess
    expect(result).toEqual({ count: 2262 });
    expect(stats.retries).toBe(1);
    expect(stats.records.find((r) => r.status === 'error')?.errorCode).toBe('ESERVICE');
    expect(okIds(stats.records).sort()).toEqual(['0', '1']);
    expect(scope.isDone()).toBe(true);
  });

  it('retries an X-Amz-Function-Error: Unhandled reply, then fails the run with the remote message (ETASK)', async () => {
    // Prepare: the function throws on every attempt, as the emulator would report it
    const errorDoc = {
      errorType: 'TaskError',
      errorMessage: 'injected failure in batch 0',
      trace: ['TaskError: injected failure in batch 0', '    at handler (worker.cjs:1:1)'],
    };
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .times(3)
      .reply(200, errorDoc, { 'X-Amz-Function-Error': 'Unhandled' });
    backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 1 });
    await backend.start({ task: { kind: 'builtin', name: 'fault' } });
    // Act
    const run = fanout('fault', { batches: 1, ms: 0, failOn: 0 }, { backend, retries: 2 });
    // Assess
    const err = await run.catch((e: unknown) => e);
    expect(isFanoutError(err, 'ETASK')).toBe(true);
    expect((err as Error).message).toBe('batch 0 failed after 3 attempts: injected failure in batch 0');
    expect(scope.isDone()).toBe(true);
  });

  it('maps a function error of another type to EREMOTE, and a refused event is not retried', async () => {
    // Prepare: the emulator reports errorType "Error"; the trace head names the real type
    const scope = lambdaScope()
      .post(INVOKE_PATH)
      .reply(
        200,
        {
          errorType: 'Error',
          errorMessage: 'Unknown task `primes`',
          trace: ['UnknownTaskError: Unknown task `primes`'],
        },
        { 'X-Amz-Function-Error': 'Unhandled' },
      );
    backend = await startedBackend(1);
    // Act
    const err = await fanout('primes', { limit: 10 }, { backend, retries: 2 }).catch((e: unknown) => e);
    // Assess
    expect(isFanoutError(err, 'EREMOTE')).toBe(true);
    expect((err as Error).message).toContain('Unknown task `primes`');
    expect(scope.isDone()).toBe(true);
  });

  it.each(['Function.ResponseSizeTooLarge', 'ResponseTooLargeError'])(
    'subdivides a batch whose reply is too large (%s) instead of retrying it, and merges the exact answer',
    async (errorType) => {
      // Prepare: the whole range's reply is "too large"; its halves reply normally
      const seen: string[] = [];
      const scope = lambdaScope()
        .post(INVOKE_PATH)
        .times(3)
        .reply(async (_uri, body) => {
          const event = eventOf(body);
          seen.push(event.batchId);
          if (event.batchId === '0') {
            const doc = { errorType, errorMessage: 'Response payload size exceeded maximum allowed payload size' };
            return [200, JSON.stringify(doc), { 'X-Amz-Function-Error': 'Unhandled' }];
          }
          return workerReply(body);
        });
      backend = await startedBackend(2);
      // Act
      const { result, stats } = await fanout('primes', { limit: 100_000 }, { backend, batchSize: 100_000 });
      // Assess
      expect(result).toEqual({ count: 9592 });
      expect(seen.sort()).toEqual(['0', '0.0', '0.1']);
      expect(okIds(stats.records).sort()).toEqual(['0.0', '0.1']);
      expect(stats.batches).toBe(2);
      expect(stats.retries).toBe(0);
      expect(scope.isDone()).toBe(true);
    },
  );

  it('retries a reply lost after the function ran (ECONNRESET); the answer comes from the retry', async () => {
    // Prepare: the body matcher records that the function "ran" batch 1, then the reply is lost
    const ran = new Map<string, number>();
    const runs = (body: unknown): boolean => {
      const id = eventOf(body).batchId;
      ran.set(id, (ran.get(id) ?? 0) + 1);
      return true;
    };
    const scope = lambdaScope()
      .post(INVOKE_PATH, (body) => eventOf(body).batchId === '1' && runs(body))
      // An Error instance: nock 14 never emits a plain-object error ({ code }), the request just hangs.
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .post(INVOKE_PATH, runs)
      .times(3)
      .reply(async (_uri, body) => workerReply(body));
    backend = await startedBackend(1);
    // Act
    const { result, stats } = await fanout('primes', { limit: 30_000 }, { backend, batchSize: 10_000 });
    // Assess
    expect(result).toEqual({ count: 3245 });
    expect(ran.get('1')).toBe(2);
    expect(stats.retries).toBe(1);
    const lost = stats.records.find((r) => r.status === 'error');
    expect(lost?.errorCode).toBe('ENETWORK');
    expect(lost?.error).toContain('ECONNRESET');
    expect(okIds(stats.records).sort()).toEqual(['0', '1', '2']);
    expect(scope.isDone()).toBe(true);
  });

  it('a late reply carrying a real partial, after its attempt timed out and was retried, is never merged', async () => {
    // Prepare: batch 1's first invoke answers with its real partial only after 1.2 s, past the 500 ms timeout; the
    // retry answers at once; batches 2 and 3 take 400 ms each, so the late partial would land while the run is still
    // going. Merged twice, the count would be off by batch 1's primes; delivered at all, it would show as a duplicate.
    const ran = new Map<string, number>();
    const runs =
      (id: string) =>
      (body: unknown): boolean => {
        if (eventOf(body).batchId !== id) return false;
        ran.set(id, (ran.get(id) ?? 0) + 1);
        return true;
      };
    const scope = lambdaScope()
      .post(INVOKE_PATH, runs('0'))
      .reply(async (_uri, body) => workerReply(body))
      .post(INVOKE_PATH, runs('1'))
      .delay(1200)
      .reply(async (_uri, body) => workerReply(body))
      .post(INVOKE_PATH, runs('1'))
      .reply(async (_uri, body) => workerReply(body))
      .post(INVOKE_PATH, runs('2'))
      .delay(400)
      .reply(async (_uri, body) => workerReply(body))
      .post(INVOKE_PATH, runs('3'))
      .delay(400)
      .reply(async (_uri, body) => workerReply(body));
    backend = await startedBackend(1);
    // Act
    const t0 = Date.now();
    const { result, stats } = await fanout('primes', { limit: 40_000 }, { backend, batchSize: 10_000, timeoutMs: 500 });
    // Assess: the run outlived the late reply, which was cut off (aborted), not merged and not even delivered
    expect(Date.now() - t0).toBeGreaterThan(1200);
    expect(result).toEqual({ count: countPrimesInRange(0, 40_000) });
    expect(ran.get('1')).toBe(2);
    expect(stats.records.filter((r) => r.status === 'error').map((r) => [r.batchId, r.errorCode])).toEqual([
      ['1', 'ETIMEOUT'],
    ]);
    expect(okIds(stats.records).sort()).toEqual(['0', '1', '2', '3']);
    expect(stats.duplicates).toBe(0);
    expect(scope.isDone()).toBe(true);
  });

  it('names the function when it does not exist (404), without retrying', async () => {
    // Prepare
    const scope = lambdaScope().post(INVOKE_PATH).reply(
      404,
      { Message: 'Function not found: fanout-dev-worker', Type: 'User' },
      {
        'x-amzn-ErrorType': 'ResourceNotFoundException',
      },
    );
    backend = await startedBackend(1);
    // Act
    const err = await fanout('primes', { limit: 10 }, { backend }).catch((e: unknown) => e);
    // Assess
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toContain('`fanout-dev-worker` not found at http://lambda.nock.test:3002');
    expect(scope.isDone()).toBe(true);
  });
});
