import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { LambdaBackend } from '../../orchestrator/backends/lambda/lambda-backend.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { RunStats } from '../../orchestrator/stats.js';

vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
vi.stubEnv('AWS_REGION', 'us-east-1');
afterAll(() => {
  vi.unstubAllEnvs();
});

function okPerBatch(stats: RunStats): Map<string, number> {
  const ok = new Map<string, number>();
  for (const r of stats.records)
    if (r.stage === 'cpu' && r.status === 'ok') ok.set(r.batchId, (ok.get(r.batchId) ?? 0) + 1);
  return ok;
}

function hybridOn(endpoint: string): HybridBackend {
  return new HybridBackend({
    local: new ProcessBackend({ workers: 1 }),
    remote: new LambdaBackend({ endpoint, concurrency: 4, invokeTimeoutMs: 20_000 }),
  });
}

describe('hybrid backend: child processes + Lambda (serverless-offline)', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ maxConcurrency: 8 });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('counts primes exactly with both sides active, sides named in stats', async () => {
    // Prepare
    const hybrid = hybridOn(emulator.endpoint);
    await hybrid.start({ task: { kind: 'builtin', name: 'primes' } });

    // Act: π(10^7) = 664579 in 40 batches. Without speculation, so the (slower) Lambda side's first batches are not
    // overtaken by copies on the process side and both sides finish batches.
    const { result, stats } = await fanout(
      'primes',
      { limit: 10_000_000 },
      { backend: hybrid, batchSize: 250_000, speculate: false },
    ).finally(() => hybrid.stop());

    // Assess
    expect(result).toEqual({ count: 664579 });
    expect(stats.byBackend.process?.batches).toBeGreaterThan(0);
    expect(stats.byBackend.lambda?.batches).toBeGreaterThan(0);
    const ok = okPerBatch(stats);
    expect(ok.size).toBe(40);
    expect([...ok.values()].every((n) => n === 1)).toBe(true);
    const settled = stats.records.filter((r) => r.status === 'ok' || r.status === 'error');
    expect(settled.every((r) => r.side === 'process' || r.side === 'lambda')).toBe(true);
  });

  it('finishes on the process side when the emulator dies mid-run', async () => {
    // Prepare: a second emulator of our own, stopped once a few batches are done
    const doomed = await startEmulator({ maxConcurrency: 8 });
    // The emulator is SIGKILLed (by PID: it dies at once) just after an invoke is sent to it, once Lambda has finished a
    // batch: Lambda took some work, and dies holding more. Tied to the invokes, not to the clock, so load cannot move it.
    const remote = new LambdaBackend({ endpoint: doomed.endpoint, concurrency: 4, invokeTimeoutMs: 20_000 });
    let lambdaDone = 0;
    let killed = false;
    let armed = false;
    const invoke = remote.runAttempt.bind(remote);
    remote.runAttempt = (job, attempt) => {
      if (armed && lambdaDone > 0 && !killed) {
        killed = true;
        setTimeout(() => process.kill(doomed.pid, 'SIGKILL'), 20);
      }
      return invoke(job, attempt).then((outcome) => {
        lambdaDone++;
        return outcome;
      });
    };
    const hybrid = new HybridBackend({ local: new ProcessBackend({ workers: 1 }), remote });
    await hybrid.start({ task: { kind: 'builtin', name: 'sleep' } });
    // Warm-up: Lambda instances loaded and both sides measured, so the hybrid keeps sending Lambda work (on a loaded
    // machine a cold first wave would make Lambda look slow, and the kill below would never find it holding any)
    await fanout('sleep', { batches: 12, ms: 100 }, { backend: hybrid });
    lambdaDone = 0;
    armed = true;

    // Act
    const { result, stats } = await fanout(
      'sleep',
      { batches: 60, ms: 100 },
      {
        backend: hybrid,
      },
    ).finally(async () => {
      await hybrid.stop();
      await doomed.stop();
    });

    // Assess: every batch once, exact totals; Lambda took some before it died, processes the rest
    expect(killed).toBe(true);
    const lambdaFaults = stats.records.filter((r) => r.side === 'lambda' && r.status === 'error');
    expect(lambdaFaults.length).toBeGreaterThan(0);
    expect(result).toEqual({ batches: 60, sleptMs: 6000 });
    const ok = okPerBatch(stats);
    expect(ok.size).toBe(60);
    expect([...ok.values()].every((n) => n === 1)).toBe(true);
    expect(stats.byBackend.lambda?.batches).toBeGreaterThan(0);
    expect(stats.byBackend.process?.batches).toBeGreaterThan(0);
    // nothing succeeded on Lambda once its death was seen; the hybrid drops a side after two faults in a row, or simply
    // stops choosing it when its estimate is worse, so which of the two happens depends on timing
    const firstFaultEnd = Math.min(...lambdaFaults.map((r) => r.endMs));
    const lambdaOkAfter = stats.records.filter(
      (r) => r.side === 'lambda' && r.status === 'ok' && r.startMs > firstFaultEnd,
    );
    expect(lambdaOkAfter).toEqual([]);
    expect((stats.droppedSides ?? []).map((d) => d.side)).not.toContain('process');
  });
});
