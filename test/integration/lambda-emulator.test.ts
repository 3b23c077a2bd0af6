import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LambdaBackend } from '../../orchestrator/backends/lambda/lambda-backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { isFanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import { fanoutPackageRoot } from '../../orchestrator/project/service-dir.js';

const run = promisify(execFile);
const root = fanoutPackageRoot();
const DUMMY_AWS = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

describe('lambda backend against serverless-offline (real Invoke API on 127.0.0.1)', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    for (const [k, v] of Object.entries(DUMMY_AWS)) vi.stubEnv(k, v);
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
    vi.unstubAllEnvs();
  });

  it('counts primes below 10^7 at concurrency 20: 664579, over many invocations', async () => {
    // Act
    const { result, stats } = await fanout(
      'primes',
      { limit: 10_000_000 },
      { backend: 'lambda', lambda: { endpoint: emulator.endpoint, concurrency: 20 } },
    );
    // Assess
    expect(result).toEqual({ count: 664579 });
    expect(stats.byBackend.lambda?.batches).toBeGreaterThan(1);
    expect(stats.duplicates).toBe(0);
    const ok = stats.records.filter((r) => r.status === 'ok');
    expect(new Set(ok.map((r) => r.batchId)).size).toBe(stats.batches);
    expect(ok.every((r) => /^lambda-[0-9a-f]{8}$/.test(r.workerId))).toBe(true);
    expect(ok.some((r) => r.coldStart === true)).toBe(true);
    // every cold start carries its instance's INIT time (thread start → first invoke), and only cold starts do
    const cold = ok.filter((r) => r.coldStart);
    expect(cold.every((r) => typeof r.initMs === 'number' && r.initMs > 0 && r.initMs < 120_000)).toBe(true);
    expect(ok.filter((r) => !r.coldStart).every((r) => r.initMs === undefined)).toBe(true);
    expect(stats.billing?.lambdaColdStarts).toBe(cold.length);
  });

  // A timing bound on 2 shared cores (50 cold instances start on them): a rerun tells load apart from lost overlap.
  it('overlaps invocations: 200 × sleep 200 ms at concurrency 50 take under a quarter of the serial time', {
    retry: 2,
  }, async () => {
    // Prepare
    const serialMs = 200 * 200;
    // Act
    const t0 = Date.now();
    const { result } = await fanout(
      'sleep',
      { batches: 200, ms: 200 },
      { backend: 'lambda', lambda: { endpoint: emulator.endpoint, concurrency: 50 } },
    );
    const wallMs = Date.now() - t0;
    // Assess
    expect(result).toEqual({ batches: 200, sleptMs: 40_000 });
    expect(wallMs).toBeLessThan(serialMs / 4);
  });

  it('fails a run whose task throws with one typed ETASK error carrying the remote message', async () => {
    // Act
    const err = await fanout(
      'fault',
      { batches: 4, ms: 0, failOn: 2 },
      { backend: 'lambda', retries: 1, lambda: { endpoint: emulator.endpoint, concurrency: 4 } },
    ).catch((e: unknown) => e);
    // Assess
    expect(isFanoutError(err, 'ETASK')).toBe(true);
    expect((err as Error).message).toBe('batch 2 failed after 2 attempts: injected failure in batch 2');
  });

  it('names a function the emulator does not have, with EINPUT', async () => {
    // Act
    const err = await fanout(
      'primes',
      { limit: 100 },
      { backend: 'lambda', lambda: { endpoint: emulator.endpoint, functionName: 'fanout-nope-worker' } },
    ).catch((e: unknown) => e);
    // Assess
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toContain('`fanout-nope-worker` not found at http://127.0.0.1:');
  });

  it('starts its own emulator for `endpoint: auto`, caps it at 32 in flight, and stops it afterwards', async () => {
    // Prepare
    let endpoint = '';
    const backend = new LambdaBackend({ endpoint: 'auto', onEmulator: (e) => (endpoint = e.endpoint) });
    // Act
    await backend.start({ task: { kind: 'builtin', name: 'primes' } });
    const capacity = backend.capacity();
    const { result } = await fanout('primes', { limit: 1_000_000 }, { backend }).finally(() => backend.stop());
    // Assess
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(capacity).toBe(32);
    expect(result).toEqual({ count: 78498 });
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(new URL(endpoint).port), '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it.skipIf(!existsSync(join(root, 'dist', 'orchestrator', 'cli', 'main.js')))(
    'prints "count": 664579 from `fanout run primes --backend lambda --lambda-endpoint … --json`',
    async () => {
      // Act
      const { stdout } = await run(
        process.execPath,
        [
          join(root, 'bin', 'fanout.js'),
          'run',
          'primes',
          '--limit',
          '10000000',
          '--backend',
          'lambda',
          '--lambda-endpoint',
          emulator.endpoint,
          '--concurrency',
          '20',
          '--json',
        ],
        { cwd: root, env: { ...process.env, ...DUMMY_AWS }, timeout: 60_000 },
      );
      // Assess
      const doc = JSON.parse(stdout) as {
        result: { count: number };
        stats: { byBackend: { lambda: { batches: number } } };
      };
      expect(doc.result.count).toBe(664579);
      expect(doc.stats.byBackend.lambda.batches).toBeGreaterThan(1);
    },
  );
});
