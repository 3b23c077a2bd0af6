/**
 * `fanout plan` against the real emulator at small N (goal: prediction within 20 % of the measured wall).
 * The sample is taken on one serverless-offline; each measured fan-out then runs on a fresh one, so its instances are
 * cold as the model assumes. Task: `sleep 100 ms` (the emulator's "functions" are threads on this machine's 2 cores,
 * so a CPU-bound task would measure the cores, not Lambda's scaling).
 */

import { LambdaBackend } from '../orchestrator/backends/lambda/lambda-backend.js';
import { startEmulator } from '../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../orchestrator/fanout.js';
import { buildPlan } from '../orchestrator/plan/plan.js';
import { sampleTask } from '../orchestrator/plan/task-sample.js';
import { sleep } from '../orchestrator/tasks/sleep.js';
import { median, printTable, writeResult } from './bench-results.js';

const MS = 100;
const QUICK = process.env.FANOUT_BENCH_QUICK === '1';
const CASES: [number, number][] = QUICK
  ? [[8, 4]]
  : [
      [8, 4],
      [16, 4],
      [32, 8],
      [16, 8],
    ];

/** Samples the task on the emulator, then predicts and measures each (N, concurrency) case. */
export async function run(): Promise<unknown> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  const sampling = await startEmulator({ maxConcurrency: 4 });
  let sample: Awaited<ReturnType<typeof sampleTask>>;
  try {
    sample = await sampleTask({
      task: sleep,
      ref: { kind: 'builtin', name: 'sleep' },
      input: { batches: 5, ms: MS },
      batches: 4,
      endpoint: sampling.endpoint,
    });
  } finally {
    await sampling.stop();
  }
  const modelSample = { ...sample, batchMs: median(sample.emulator?.durationMs ?? [MS]), batchCpuMs: 0 };
  const rows: Record<string, string | number>[] = [];
  for (const [n, c] of CASES) {
    const plan = buildPlan(modelSample, {
      batches: n,
      concurrency: c,
      accountConcurrency: 1000,
      memoryMb: 1024,
      architecture: 'arm64',
      cores: 2,
      target: 'emulator',
    });
    const emulator = await startEmulator({ maxConcurrency: c });
    let measured: number;
    try {
      const backend = new LambdaBackend({ endpoint: emulator.endpoint, concurrency: c });
      await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
      try {
        const t0 = performance.now();
        const { result } = await fanout<{ batches: number }>('sleep', { batches: n, ms: MS }, { backend });
        measured = performance.now() - t0;
        if (result.batches !== n) throw new Error(`expected ${n} batches, got ${result.batches}`);
      } finally {
        await backend.stop();
      }
    } finally {
      await emulator.stop();
    }
    const predicted = plan.prediction.wallMs;
    rows.push({
      N: n,
      concurrency: c,
      'predicted ms': Math.round(predicted),
      'measured ms': Math.round(measured),
      'predicted / measured': (predicted / measured).toFixed(2),
      'within 20 %': Math.abs(predicted / measured - 1) <= 0.2 ? 'yes' : 'no',
    });
  }
  printTable(
    `plan vs emulator: sleep ${MS} ms; sample cold start ${Math.round(sample.coldStartMs)} ms alone, ${Math.round(sample.contendedColdStartMs ?? Number.NaN)} ms with one per core at once; overhead ${Math.round(sample.invokeOverheadMs)} ms`,
    rows,
  );
  const data = {
    task: `sleep ${MS} ms`,
    sample: {
      batchMs: modelSample.batchMs,
      coldStartMs: sample.coldStartMs,
      invokeOverheadMs: sample.invokeOverheadMs,
      emulator: sample.emulator,
    },
    rows,
  };
  await writeResult('plan', data);
  return data;
}
