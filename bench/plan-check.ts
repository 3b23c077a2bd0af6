/**
 * `fanout plan` against the real emulator at small N (goal: prediction within 20 % of the measured wall).
 * Each round samples on one serverless-offline; each measured fan-out then runs on a fresh one, so its instances are
 * cold as the model assumes. Task: `sleep 100 ms` (the emulator's "functions" are threads on this machine's 2 cores,
 * so a CPU-bound task would measure the cores, not Lambda's scaling).
 */

import { loadavg } from 'node:os';
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

const ROUNDS = QUICK ? 1 : 3;

/** Samples the task on a fresh emulator (cold start alone, warm invokes, a burst of cold starts). */
async function sampleOnFreshEmulator(): Promise<Awaited<ReturnType<typeof sampleTask>>> {
  const sampling = await startEmulator({ maxConcurrency: 8 });
  try {
    return await sampleTask({
      task: sleep,
      ref: { kind: 'builtin', name: 'sleep' },
      input: { batches: 5, ms: MS },
      batches: 4,
      endpoint: sampling.endpoint,
    });
  } finally {
    await sampling.stop();
  }
}

/** Wall time of `sleep` × n at concurrency c on a fresh emulator (cold instances, as the model assumes). */
async function measure(n: number, c: number): Promise<number> {
  const emulator = await startEmulator({ maxConcurrency: c });
  try {
    const backend = new LambdaBackend({ endpoint: emulator.endpoint, concurrency: c });
    await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
    try {
      const t0 = performance.now();
      const { result } = await fanout<{ batches: number }>('sleep', { batches: n, ms: MS }, { backend });
      const ms = performance.now() - t0;
      if (result.batches !== n) throw new Error(`expected ${n} batches, got ${result.batches}`);
      return ms;
    } finally {
      await backend.stop();
    }
  } finally {
    await emulator.stop();
  }
}

/**
 * Rounds of: a fresh sample, then each (N, concurrency) case predicted from that sample and measured right after it.
 * Other work on the shared cores changes how long the emulator's INIT takes from one minute to the next, so each
 * prediction uses a sample taken in the same minute, and a case's ratio is the median over the rounds.
 */
export async function run(): Promise<unknown> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  const loadBefore = loadavg()[0];
  const ratios = CASES.map(() => [] as number[]);
  const predictedMs = CASES.map(() => [] as number[]);
  const measuredMs = CASES.map(() => [] as number[]);
  const samples: unknown[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sample = await sampleOnFreshEmulator();
    const modelSample = { ...sample, batchMs: median(sample.emulator?.durationMs ?? [MS]), batchCpuMs: 0 };
    samples.push({
      batchMs: modelSample.batchMs,
      coldStartMs: Math.round(sample.coldStartMs),
      invokeOverheadMs: Math.round(sample.invokeOverheadMs * 10) / 10,
      sharedInit: sample.sharedInit,
      burst: sample.emulator?.burst,
    });
    for (const [i, [n, c]] of CASES.entries()) {
      const plan = buildPlan(modelSample, {
        batches: n,
        concurrency: c,
        accountConcurrency: 1000,
        memoryMb: 1024,
        architecture: 'arm64',
        cores: 2,
        target: 'emulator',
      });
      const ms = await measure(n, c);
      predictedMs[i]?.push(plan.prediction.wallMs);
      measuredMs[i]?.push(ms);
      ratios[i]?.push(plan.prediction.wallMs / ms);
    }
  }
  const rows = CASES.map(([n, c], i) => {
    const r = median(ratios[i] as number[]);
    return {
      N: n,
      concurrency: c,
      'predicted ms': Math.round(median(predictedMs[i] as number[])),
      'measured ms': Math.round(median(measuredMs[i] as number[])),
      'predicted / measured (median)': r.toFixed(2),
      'per round': (ratios[i] as number[]).map((x) => x.toFixed(2)).join(' '),
      'within 20 %': Math.abs(r - 1) <= 0.2 ? 'yes' : 'no',
    };
  });
  printTable(`plan vs emulator: sleep ${MS} ms, ${ROUNDS} rounds (a fresh sample each)`, rows);
  const worst = CASES.map((_, i) => median(ratios[i] as number[])).reduce((a, b) =>
    Math.abs(b - 1) > Math.abs(a - 1) ? b : a,
  );
  const goals = [
    {
      measure: 'plan vs emulator',
      measured: Math.round(worst * 1000) / 1000,
      goal: 'predicted / measured 0.8–1.2× in every case (worst case shown)',
      met: CASES.every((_, i) => Math.abs(median(ratios[i] as number[]) - 1) <= 0.2),
    },
  ];
  const data = {
    task: `sleep ${MS} ms`,
    rounds: ROUNDS,
    load1m: { before: loadBefore, after: loadavg()[0] },
    samples,
    rows,
    goals,
  };
  await writeResult('plan', data);
  return data;
}
