import { afterAll, describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../orchestrator/backends/lambda/lambda-backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../../orchestrator/fanout.js';
import { buildPlan } from '../../orchestrator/plan/plan.js';
import { sampleTask } from '../../orchestrator/plan/task-sample.js';
import { sleep } from '../../orchestrator/tasks/sleep.js';

const DUMMY_AWS = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

describe('fanout plan against serverless-offline at small N', () => {
  const started: Emulator[] = [];
  afterAll(async () => {
    for (const e of started) await e.stop();
  });

  it('predicts the wall time of 8 × sleep 100 ms at concurrency 4 within a generous bound', async () => {
    // Prepare: sample on one emulator, measure on a fresh one (cold instances, as the model assumes)
    Object.assign(process.env, DUMMY_AWS);
    const sampling = await startEmulator({ maxConcurrency: 4 });
    started.push(sampling);
    const sample = await sampleTask({
      task: sleep,
      ref: { kind: 'builtin', name: 'sleep' },
      input: { batches: 5, ms: 100 },
      batches: 3,
      endpoint: sampling.endpoint,
    });
    await sampling.stop();
    const durations = [...(sample.emulator?.durationMs ?? [])].sort((a, b) => a - b);
    const plan = buildPlan(
      { ...sample, batchMs: durations[Math.floor(durations.length / 2)] ?? 100, batchCpuMs: 0 },
      {
        batches: 8,
        concurrency: 4,
        accountConcurrency: 1000,
        memoryMb: 1024,
        architecture: 'arm64',
        cores: 2,
        target: 'emulator',
      },
    );
    const fresh = await startEmulator({ maxConcurrency: 4 });
    started.push(fresh);
    const backend = new LambdaBackend({ endpoint: fresh.endpoint, concurrency: 4 });
    await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
    // Act
    const t0 = performance.now();
    const { result, stats } = await fanout<{ batches: number; sleptMs: number }>(
      'sleep',
      { batches: 8, ms: 100 },
      { backend },
    );
    const measured = performance.now() - t0;
    await backend.stop();
    // Assess
    expect(result).toEqual({ batches: 8, sleptMs: 800 });
    expect(sample.emulator?.coldInvokeMs).toBeGreaterThan(sample.emulator?.invokeMs[0] ?? 0);
    expect(plan.prediction.coldStarts).toBe(4);
    expect(stats.records.filter((r) => r.coldStart).length).toBe(4);
    const ratio = plan.prediction.wallMs / measured;
    console.log(
      `plan vs emulator (N 8, c 4): predicted ${Math.round(plan.prediction.wallMs)} ms, measured ${Math.round(measured)} ms, ratio ${ratio.toFixed(2)}`,
    );
    // The goal is ±20 % (bench/plan-check.ts reports it); on a shared 2-core machine a test can only bound it loosely
    // (2.73 was seen at load average 30, when the sampled cold start was itself inflated).
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(4);
  }, 240_000);
});
