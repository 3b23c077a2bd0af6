/**
 * Hybrid vs its two sides, in one run, against serverless-offline on this machine (the Lambda side shares the cores):
 * - CPU-bound, sides sharing cores: the built-in primes (N = 10^9) and a user task module (bench/tasks/hash-users.ts:
 *   PBKDF2 + deflate per user). Goal: hybrid ≤ 1.05× the better of process-only and lambda-only;
 * - I/O-bound (100 ms sleep batches): the sides add capacity. Goal: hybrid throughput ≥ 0.95× the sum of the two
 *   sides' throughputs.
 * The hybrid is configured as a user would (`{ workers, lambda: { endpoint } }`, endpoint on loopback). Each backend is
 * started once and given an untimed warm-up run (pools forked, instances loaded, the hybrid's measurements made), so
 * the figures are steady state. Rounds interleave the three configurations (process, lambda, hybrid, process, …) so
 * a change in background load hits all alike; each figure is the median of its rounds, every configuration runs the
 * same batches, and every run's answer is checked.
 */
import { join } from 'node:path';
import type { Backend } from '../orchestrator/backends/backend.js';
import { HybridBackend } from '../orchestrator/backends/hybrid/hybrid-backend.js';
import { LambdaBackend } from '../orchestrator/backends/lambda/lambda-backend.js';
import { ProcessBackend } from '../orchestrator/backends/process/process-backend.js';
import { startEmulator } from '../orchestrator/emulator/serverless-offline.js';
import { fanout, resolveTask } from '../orchestrator/fanout.js';
import type { AnyTask } from '../orchestrator/tasks/task.js';
import { median, printTable, repoRoot, writeResult } from './bench-results.js';
import { type GoalRow, goalRow } from './goals.js';

const QUICK = process.env.FANOUT_BENCH_QUICK === '1';
const WORKERS = 2;
const CPU_CONCURRENCY = 4;
const CPU_ROUNDS = QUICK ? 2 : 5;
const PRIMES = QUICK ? { limit: 1e8, expected: 5_761_455 } : { limit: 1e9, expected: 50_847_534 };
/** The same 48 ranges for every configuration (what the hybrid's 6 slots would choose), so only placement differs. */
const PRIMES_BATCH = Math.ceil(PRIMES.limit / 48);
const USER_TASK = join(repoRoot, 'bench', 'tasks', 'hash-users.ts');
const USERS = { users: QUICK ? 400 : 2000, iterations: 2000 };
const SLEEP_MS = 100;
const SLEEP_CONCURRENCY = 16;
const SLEEP_ROUNDS = QUICK ? 1 : 3;

type Make = () => Backend;
type Config = 'process' | 'lambda' | 'hybrid';

interface Figure {
  /** Median wall of the rounds, ms. */
  wallMs: number;
  runsMs: number[];
  /** Batches per side in the last round. */
  sides: string;
}

interface Workload {
  task: AnyTask | string;
  input: unknown;
  batchSize?: number;
  /** Throws when a run's answer is wrong. */
  check(result: unknown, config: Config): void;
}

function sidesOf(byBackend: Record<string, { batches: number }>): string {
  return Object.entries(byBackend)
    .map(([side, t]) => `${side} ${t.batches}`)
    .join(' · ');
}

/** Starts each configuration, warms it up, then times `rounds` interleaved rounds; medians per configuration. */
async function interleaved(
  configs: Record<Config, Make>,
  work: Workload,
  rounds: number,
): Promise<Record<Config, Figure>> {
  const { ref } = await resolveTask(work.task);
  const started: [Config, Backend][] = [];
  const options = (backend: Backend) => ({ backend, ...(work.batchSize ? { batchSize: work.batchSize } : {}) });
  try {
    for (const [name, make] of Object.entries(configs) as [Config, Make][]) {
      const backend = make();
      started.push([name, backend]);
      await backend.start({ task: ref });
      await fanout(work.task, work.input, options(backend)); // warm-up
    }
    const out: Partial<Record<Config, Figure>> = {};
    for (let i = 0; i < rounds; i++) {
      for (const [name, backend] of started) {
        const { result, stats } = await fanout(work.task, work.input, options(backend));
        work.check(result, name);
        const fig = out[name] ?? { wallMs: 0, runsMs: [], sides: '' };
        fig.runsMs.push(stats.wallMs);
        fig.sides = sidesOf(stats.byBackend);
        out[name] = fig;
      }
    }
    for (const fig of Object.values(out)) fig.wallMs = median(fig.runsMs);
    return out as Record<Config, Figure>;
  } finally {
    await Promise.allSettled(started.map(([, b]) => b.stop()));
  }
}

/** The CPU-bound case's table rows and its goal row (hybrid over the better side). */
function cpuReport(title: string, f: Record<Config, Figure>): { ratio: number; better: Config; goal: GoalRow } {
  const better: Config = f.process.wallMs <= f.lambda.wallMs ? 'process' : 'lambda';
  const ratio = f.hybrid.wallMs / f[better].wallMs;
  printTable(
    title,
    (['process', 'lambda', 'hybrid'] as const).map((c) => ({
      backend: c,
      'wall ms (median)': f[c].wallMs,
      rounds: f[c].runsMs.join(' '),
      'batches per side': f[c].sides,
    })),
  );
  console.log(`hybrid / better side (${better}) = ${ratio.toFixed(3)} (goal ≤ 1.05)`);
  return {
    ratio,
    better,
    goal: goalRow(`hybrid vs its better side, CPU-bound, sides sharing cores (${title.split(' (')[0]})`, ratio, {
      atMost: 1.05,
    }),
  };
}

/** Runs the hybrid benchmark and writes bench/results/hybrid.json. */
export async function run(): Promise<void> {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'x',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'x',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });
  const emulator = await startEmulator({ maxConcurrency: SLEEP_CONCURRENCY, tasks: [USER_TASK] });
  try {
    const endpoint = emulator.endpoint;
    const configs = (concurrency: number): Record<Config, Make> => ({
      process: () => new ProcessBackend({ workers: WORKERS }),
      lambda: () => new LambdaBackend({ endpoint, concurrency }),
      hybrid: () => new HybridBackend({ workers: WORKERS, lambda: { endpoint, concurrency } }),
    });

    const primes = await interleaved(
      configs(CPU_CONCURRENCY),
      {
        task: 'primes',
        input: { limit: PRIMES.limit },
        batchSize: PRIMES_BATCH,
        check: (r, c) => {
          const count = (r as { count: number }).count;
          if (count !== PRIMES.expected) throw new Error(`${c}: ${count} primes, expected ${PRIMES.expected}`);
        },
      },
      CPU_ROUNDS,
    );
    const primesRow = cpuReport(
      `primes, built-in (N = ${PRIMES.limit.toExponential()}, 48 batches; process ${WORKERS} workers, lambda concurrency ${CPU_CONCURRENCY}; median of ${CPU_ROUNDS})`,
      primes,
    );

    let expectedUsers: string | undefined;
    const users = await interleaved(
      configs(CPU_CONCURRENCY),
      {
        task: USER_TASK,
        input: USERS,
        check: (r, c) => {
          const got = JSON.stringify(r);
          expectedUsers ??= got;
          if (got !== expectedUsers || (r as { users: number }).users !== USERS.users) {
            throw new Error(`${c}: ${got}, expected ${expectedUsers} for ${USERS.users} users`);
          }
        },
      },
      CPU_ROUNDS,
    );
    const usersRow = cpuReport(
      `hash-users, user task module (${USERS.users} users, PBKDF2 ${USERS.iterations} iterations + deflate; median of ${CPU_ROUNDS})`,
      users,
    );

    // I/O-bound: each configuration gets ~3 s of ideal work at its own capacity, so slow sides do not dominate
    const perSlot = QUICK ? 10 : 30;
    const sleepBatches: Record<Config, number> = {
      process: WORKERS * perSlot,
      lambda: SLEEP_CONCURRENCY * perSlot,
      hybrid: (WORKERS + SLEEP_CONCURRENCY) * perSlot,
    };
    const sleepFigures: Partial<Record<Config, Figure>> = {};
    const sleepMakers = configs(SLEEP_CONCURRENCY);
    // one configuration at a time (each needs its own batch count), rounds interleaved across them
    const sleepStarted = await Promise.all(
      (Object.keys(sleepMakers) as Config[]).map(async (c) => {
        const backend = sleepMakers[c]();
        await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
        await fanout('sleep', { batches: backend.capacity() * 2, ms: SLEEP_MS }, { backend });
        return [c, backend] as const;
      }),
    );
    try {
      for (let i = 0; i < SLEEP_ROUNDS; i++) {
        for (const [c, backend] of sleepStarted) {
          const batches = sleepBatches[c];
          const { result, stats } = await fanout<{ batches: number }>('sleep', { batches, ms: SLEEP_MS }, { backend });
          if (result.batches !== batches) throw new Error(`${c}: ${result.batches} sleep batches, expected ${batches}`);
          const fig = sleepFigures[c] ?? { wallMs: 0, runsMs: [], sides: '' };
          fig.runsMs.push(stats.wallMs);
          fig.sides = sidesOf(stats.byBackend);
          sleepFigures[c] = fig;
        }
      }
    } finally {
      await Promise.allSettled(sleepStarted.map(([, b]) => b.stop()));
    }
    const perSec = (c: Config): number => {
      const fig = sleepFigures[c] as Figure;
      fig.wallMs = median(fig.runsMs);
      return (sleepBatches[c] / fig.wallMs) * 1000;
    };
    const sleepRate = { process: perSec('process'), lambda: perSec('lambda'), hybrid: perSec('hybrid') };
    const sleepRatio = sleepRate.hybrid / (sleepRate.process + sleepRate.lambda);
    printTable(
      `sleep ${SLEEP_MS} ms batches, I/O-bound (process ${WORKERS} workers, lambda concurrency ${SLEEP_CONCURRENCY}; median of ${SLEEP_ROUNDS})`,
      (['process', 'lambda', 'hybrid'] as const).map((c) => ({
        backend: c,
        batches: sleepBatches[c],
        'wall ms (median)': (sleepFigures[c] as Figure).wallMs,
        'batches/s': sleepRate[c].toFixed(1),
        'batches per side': (sleepFigures[c] as Figure).sides,
      })),
    );
    console.log(`hybrid / (process + lambda) throughput = ${sleepRatio.toFixed(3)} (goal ≥ 0.95)`);

    const goals: GoalRow[] = [
      primesRow.goal,
      usersRow.goal,
      goalRow('hybrid vs the sum of its sides, I/O-bound', sleepRatio, { atLeast: 0.95 }),
    ];
    const file = await writeResult('hybrid', {
      quick: QUICK,
      primes: { ...PRIMES, batchSize: PRIMES_BATCH, workers: WORKERS, lambdaConcurrency: CPU_CONCURRENCY, ...primes },
      userTask: { module: 'bench/tasks/hash-users.ts', ...USERS, lambdaConcurrency: CPU_CONCURRENCY, ...users },
      sleep: {
        ms: SLEEP_MS,
        workers: WORKERS,
        lambdaConcurrency: SLEEP_CONCURRENCY,
        batches: sleepBatches,
        figures: sleepFigures,
        perSec: sleepRate,
      },
      goals,
    });
    console.log(`results: ${file}`);
  } finally {
    await emulator.stop();
  }
}
