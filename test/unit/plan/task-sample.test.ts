import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LambdaBackend } from '../../../orchestrator/backends/lambda/lambda-backend.js';
import { attemptOf } from '../../../orchestrator/backends/signal-cancel.js';
import { OFFLOAD_OVER_BYTES } from '../../../orchestrator/far-side/payload-limit.js';
import { offloadExtra } from '../../../orchestrator/offload/offload-cost.js';
import { fitSharedInit, sampleTask } from '../../../orchestrator/plan/task-sample.js';
import { BUILTIN_TASKS_VERSION } from '../../../orchestrator/tasks/registry.js';
import { defineTask, type TaskRef } from '../../../orchestrator/tasks/task.js';
import { ENDPOINT, eventOf, INVOKE_PATH, lambdaScope } from '../../helpers/nock-lambda.js';

const sized = (requestBytes: number, replyBytes: number) =>
  defineTask<{ n: number }, { pad: string }, { pad: string }, number>({
    name: 'sized',
    *split({ n }) {
      for (let i = 0; i < n; i++) yield { pad: 'x'.repeat(requestBytes) };
    },
    map: () => ({ pad: 'y'.repeat(replyBytes) }),
    init: () => 0,
    merge: (acc) => acc + 1,
  });

const BUILTIN: TaskRef = { kind: 'builtin', name: 'sized' };
/** A bundled module task as `resolveTask` returns it: its version is the bundle's hash. */
const MODULE: TaskRef = {
  kind: 'module',
  path: '/tmp/bundles/sized-1f0e9d8c.cjs',
  source: '/project/sized.ts',
  version: '1f0e9d8c7b6a',
  name: 'sized',
};

describe('sampleTask', () => {
  beforeAll(() => {
    nock.disableNetConnect();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    vi.unstubAllEnvs();
  });

  it('measures sizes and times of the first batches (one warm-up untimed)', async () => {
    const task = sized(1000, 2000);
    const s = await sampleTask({ task, ref: BUILTIN, input: { n: 10 }, batches: 3 });
    expect(s.sampled).toBe(3);
    expect(s.localBatchMs).toHaveLength(3);
    // the event wraps the batch, with the built-ins' version: {"task":"sized","version":"fanout-…","batchId":"0",…}
    expect(s.requestBytes).toBe(
      JSON.stringify({ task: 'sized', version: BUILTIN_TASKS_VERSION, batchId: '0', batch: { pad: 'x'.repeat(1000) } })
        .length,
    );
    expect(s.responseBytes).toBeGreaterThan(2000);
    expect(s.coldStartMs).toBeGreaterThan(0);
    expect(s.coldStartSource).toContain('local process');
    expect(s.invokeOverheadMs).toBe(0);
  }, 30_000);

  it.each([
    ['a built-in', BUILTIN, BUILTIN_TASKS_VERSION],
    ['a bundled module task', MODULE, '1f0e9d8c7b6a'],
  ])(
    'sizes %s by the very event the lambda backend sends, version included',
    async (_what, ref, version) => {
      // Prepare: the lambda backend against a nock Invoke API, keeping the body of the one invoke it makes
      const task = sized(1000, 10);
      const bodies: string[] = [];
      const scope = lambdaScope()
        .post(INVOKE_PATH)
        .reply((_uri, body) => {
          bodies.push(typeof body === 'string' ? body : JSON.stringify(body));
          return [200, JSON.stringify({ batchId: '0', partial: { pad: 'y' } })];
        });
      const backend = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 1 });
      await backend.start({ task: ref, instance: task });
      try {
        await backend.runAttempt({ id: '0', batch: { pad: 'x'.repeat(1000) }, attempt: 1 }, attemptOf());
      } finally {
        await backend.stop();
      }
      // Act
      const s = await sampleTask({ task, ref, input: { n: 3 }, batches: 1 });
      // Assess: the backend named the task at its version, and the sample measured exactly those bytes
      expect(scope.isDone()).toBe(true);
      expect(bodies).toHaveLength(1);
      const sent = bodies[0] as string;
      expect(eventOf(sent)).toEqual({ task: 'sized', version, batchId: '0', batch: { pad: 'x'.repeat(1000) } });
      expect(s.requestBytes).toBe(Buffer.byteLength(sent));
    },
    30_000,
  );

  // each sample starts a node process for its cold start: seconds on a loaded machine
  it('marks a batch whose event is over the offload threshold, and the plan charges its S3 requests and time', {
    timeout: 60_000,
  }, async () => {
    // Act
    const task = sized(6 * 1024 * 1024 + 1, 10);
    const s = await sampleTask({ task, ref: BUILTIN, input: { n: 2 }, batches: 1 });
    const extra = offloadExtra(s.offloads);
    // Assess: one timed batch (batch 1, after the warm-up), its event offloaded, its reply not
    expect(s.offloads).toEqual([
      { batch: 1, requestBytes: s.requestBytes, responseBytes: expect.any(Number), event: true, reply: false },
    ]);
    expect(s.requestBytes).toBeGreaterThan(OFFLOAD_OVER_BYTES);
    // by hand: a PUT, a GET and a DELETE; $0.005 + $0.0004 per 1,000; the function's GET of the event
    expect(extra?.requests).toBe(3);
    expect(extra?.usd).toBeCloseTo(0.0000054, 12);
    expect(extra?.ms).toBeCloseTo(20 + s.requestBytes / ((80 * 1024 * 1024) / 1000), 6);
  });

  it('marks a reply over the threshold too; a sample that offloads nothing adds nothing', {
    timeout: 60_000,
  }, async () => {
    // Act
    const big = await sampleTask({ task: sized(10, 6 * 1024 * 1024), ref: BUILTIN, input: { n: 2 }, batches: 2 });
    const small = await sampleTask({ task: sized(10, 10), ref: BUILTIN, input: { n: 2 }, batches: 2 });
    // Assess
    expect(big.offloads.map((o) => [o.batch, o.event, o.reply])).toEqual([
      [1, false, true],
      [2, false, true],
    ]);
    expect(offloadExtra(big.offloads)?.requests).toBe(3);
    expect(small.offloads.every((o) => !o.event && !o.reply)).toBe(true);
    expect(offloadExtra(small.offloads)).toBeUndefined();
  });
});

describe('fitSharedInit', () => {
  it('draws the line through the lone cold start and the burst', () => {
    // alone 300 ms; 4 at once 900 ms each → 200 ms per environment more, 100 ms fixed
    expect(fitSharedInit(300, { coldStarts: 4, initMs: 900 })).toEqual({ fixedMs: 100, perEnvironmentMs: 200 });
  });
  it('a burst no slower than one alone: no contention', () => {
    expect(fitSharedInit(300, { coldStarts: 4, initMs: 250 })).toEqual({ fixedMs: 300, perEnvironmentMs: 0 });
  });
  it('a burst that started one environment or none: all of the cold start scales', () => {
    expect(fitSharedInit(300, { coldStarts: 1, initMs: 900 })).toEqual({ fixedMs: 0, perEnvironmentMs: 300 });
  });
});
