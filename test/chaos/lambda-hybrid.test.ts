import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../../orchestrator/fanout.js';
import { countPrimesInRange } from '../../orchestrator/tasks/prime-sieve.js';
import { expectEachBatchMergedOnce, faultPlan, printFaults, tally } from '../helpers/chaos-helpers.js';
import { type FaultProxy, type InvokeFault, startFaultProxy } from '../helpers/invoke-fault-proxy.js';

/**
 * Chaos on lambda and hybrid: the real serverless-offline (one per file, stopped by PID in afterAll) behind a proxy
 * that injects the Invoke faults AWS produces — 429, 500, an Unhandled function error, a reply lost after the function
 * ran, an invoke that never answers — on the first attempt of batches drawn from the seed.
 */
const LIMIT = 1_600_000;
const BATCH = 100_000;
const BATCHES = LIMIT / BATCH;
const KINDS: InvokeFault[] = ['429', '500', 'unhandled', 'lost-reply', 'hang'];
/** What each fault must surface as in the attempt records. */
const CODE_OF: Record<InvokeFault, string> = {
  '429': 'ETHROTTLED',
  '500': 'ESERVICE',
  unhandled: 'EREMOTE',
  'lost-reply': 'ENETWORK',
  hang: 'ETIMEOUT',
};

let emulator: Emulator;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  emulator = await startEmulator({ maxConcurrency: 4 });
  // warm four instances, so a cold start never looks like a hang to the short timeouts below
  await fanout(
    'primes',
    { limit: 40_000 },
    { backend: 'lambda', batchSize: 5_000, lambda: { endpoint: emulator.endpoint, concurrency: 4 } },
  );
}, 120_000);

afterAll(async () => {
  for (const p of proxies) await p.close();
  await emulator?.stop();
  vi.unstubAllEnvs();
});

async function proxyFor(salt: string, rate: number): Promise<{ proxy: FaultProxy; plan: Map<number, InvokeFault> }> {
  const plan = faultPlan(BATCHES, KINDS, rate, salt);
  const proxy = await startFaultProxy(emulator.endpoint, (id, attempt) =>
    attempt === 1 ? plan.get(Number(id)) : undefined,
  );
  proxies.push(proxy);
  return { proxy, plan };
}

describe('chaos: Invoke faults through a proxy in front of serverless-offline', () => {
  it('lambda: exact answer, each batch merged once, every fault one attempt record with its code', async () => {
    // Prepare
    const { proxy, plan } = await proxyFor('lambda', 0.4);
    // Act
    const { result, stats } = await fanout(
      'primes',
      { limit: LIMIT },
      {
        backend: 'lambda',
        batchSize: BATCH,
        lambda: { endpoint: proxy.url, concurrency: 4 },
        timeoutMs: 4000,
        retries: 1,
        throttleRetries: 1,
        speculate: false,
      },
    );
    // Assess
    printFaults('lambda', { ...proxy.injected });
    expect(result).toEqual({ count: countPrimesInRange(0, LIMIT) });
    expectEachBatchMergedOnce(stats, BATCHES);
    expect(stats.duplicates).toBe(0);
    expect(proxy.injected).toEqual({
      ...{ '429': 0, '500': 0, unhandled: 0, 'lost-reply': 0, hang: 0 },
      ...tally(plan.values()),
    });
    const errors = stats.records.filter((r) => r.status === 'error');
    expect(tally(errors.map((r) => `${r.batchId}:${r.errorCode}`))).toEqual(
      tally([...plan].map(([i, k]) => `${i}:${CODE_OF[k]}`)),
    );
    // a lost reply means the function ran twice for that batch, yet it was merged once (checked above)
    for (const [i, k] of plan) if (k === 'lost-reply') expect(proxy.forwarded.get(String(i))).toBe(2);
  });

  it('hybrid: exact answer and each batch merged once while the Lambda side suffers the same faults', async () => {
    // Prepare: which faulted batches reach Lambda depends on placement, so only what was injected is asserted; most
    // batches are faulty on a first attempt so the Lambda side sees several whatever it is given. Sleep batches: the
    // emulator shares this machine's cores, so the hybrid gives it CPU-bound batches only for idle cores, but I/O-bound
    // ones on every slot; and with little CPU in the run, load elsewhere cannot make the 4 s timeout fire on its own.
    const { proxy } = await proxyFor('hybrid', 0.8);
    // Act
    const { result, stats } = await fanout<{ batches: number; sleptMs: number }>(
      'sleep',
      { batches: BATCHES, ms: 40 },
      {
        backend: 'hybrid',
        workers: 2,
        lambda: { endpoint: proxy.url, concurrency: 4 },
        timeoutMs: 4000,
        retries: 2,
        throttleRetries: 2,
        speculate: false,
      },
    );
    // Assess
    printFaults('hybrid', { ...proxy.injected, dropped: (stats.droppedSides ?? []).map((d) => d.side) });
    expect(result).toEqual({ batches: BATCHES, sleptMs: BATCHES * 40 });
    expectEachBatchMergedOnce(stats, BATCHES);
    expect(stats.duplicates).toBe(0);
    expect(stats.records.filter((r) => r.side === 'lambda').length).toBeGreaterThan(0);
    const injected = Object.values(proxy.injected).reduce((a, b) => a + b, 0);
    expect(stats.records.filter((r) => r.status === 'error' && r.side === 'lambda')).toHaveLength(injected);
    expect(stats.records.every((r) => r.side === 'lambda' || r.side === 'process')).toBe(true);
  });
});
