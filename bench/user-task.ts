/**
 * What a user task costs compared with a built-in, in one run:
 * - bundling a small TypeScript task cold (empty cache: esbuild runs) and cached (unchanged inputs: hashes only);
 * - end-to-end wall of `fanout()` for bench/tasks/primes-user.ts (the built-in primes code as a user module) vs the
 *   built-in primes, on the process backend and on the emulator (serverless-offline carrying the user task), rounds
 *   interleaved, medians. Goals: cached bundle ≤ 20 ms per run, user task ≤ 1.05× built-in wall.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleTask } from '../orchestrator/bundle/bundle-task.js';
import { startEmulator } from '../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../orchestrator/fanout.js';
import { median, printTable, repoRoot, writeResult } from './bench-results.js';

const USER_TASK = join(repoRoot, 'bench', 'tasks', 'primes-user.ts');
const SMALL_TASK = join(repoRoot, 'test', 'fixtures', 'ts-task', 'collatz.ts');
const BUNDLE_RUNS = 5;
const LIMIT = 3e6;
const EXPECTED = 216_816;
const PROCESS_ROUNDS = 5;
const LAMBDA_ROUNDS = 3;

async function bundleTimes(): Promise<{ coldMs: number; cachedMs: number }> {
  const cold: number[] = [];
  const cached: number[] = [];
  const saved = process.env.FANOUT_CACHE_DIR;
  for (let i = 0; i < BUNDLE_RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-cache-'));
    process.env.FANOUT_CACHE_DIR = dir;
    try {
      const first = await bundleTask(SMALL_TASK);
      const again = await bundleTask(SMALL_TASK);
      if (first.cached || !again.cached) throw new Error('bench: the cache did not behave (cold hit or warm miss)');
      cold.push(first.ms);
      cached.push(again.ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (saved === undefined) delete process.env.FANOUT_CACHE_DIR;
  else process.env.FANOUT_CACHE_DIR = saved;
  return { coldMs: median(cold), cachedMs: median(cached) };
}

type Options = Parameters<typeof fanout>[2];

/** Median wall of user vs built-in, interleaved (user first on odd rounds, so neither always runs warm). */
async function userVsBuiltin(rounds: number, options: Options): Promise<{ builtinMs: number; userMs: number }> {
  const walls = { builtin: [] as number[], user: [] as number[] };
  const once = async (which: 'builtin' | 'user'): Promise<void> => {
    const t0 = performance.now();
    const { result } = await fanout<{ count: number }>(
      which === 'user' ? USER_TASK : 'primes',
      { limit: LIMIT },
      options,
    );
    walls[which].push(performance.now() - t0);
    if (result.count !== EXPECTED) throw new Error(`bench: ${which} primes gave ${result.count}, not ${EXPECTED}`);
  };
  await once('user'); // untimed warm-up: bundle cache, page cache, emulator instances
  await once('builtin');
  walls.user.length = 0;
  walls.builtin.length = 0;
  for (let r = 0; r < rounds; r++) {
    const order: ('builtin' | 'user')[] = r % 2 === 0 ? ['builtin', 'user'] : ['user', 'builtin'];
    for (const which of order) await once(which);
  }
  return { builtinMs: median(walls.builtin), userMs: median(walls.user) };
}

/** Runs the benchmark, prints its table and writes bench/results/user-task.json. */
export async function run(): Promise<void> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  const bundle = await bundleTimes();
  const proc = await userVsBuiltin(PROCESS_ROUNDS, { backend: 'process', workers: 2 });
  const emulator = await startEmulator({ tasks: [USER_TASK], maxConcurrency: 4 });
  let lambda: { builtinMs: number; userMs: number };
  try {
    lambda = await userVsBuiltin(LAMBDA_ROUNDS, {
      backend: 'lambda',
      lambda: { endpoint: emulator.endpoint, concurrency: 4 },
      batchSize: Math.ceil(LIMIT / 8),
    });
  } finally {
    await emulator.stop();
  }
  const rows = [
    { figure: 'bundle, cold (esbuild)', value: `${bundle.coldMs.toFixed(1)} ms` },
    { figure: 'bundle, cached', value: `${bundle.cachedMs.toFixed(2)} ms` },
    { figure: 'process: user / built-in wall', value: `${(proc.userMs / proc.builtinMs).toFixed(3)}×` },
    { figure: 'emulator: user / built-in wall', value: `${(lambda.userMs / lambda.builtinMs).toFixed(3)}×` },
  ];
  printTable(`user task vs built-in (primes ${LIMIT}, medians)`, rows);
  const file = await writeResult('user-task', {
    bundle,
    process: { ...proc, ratio: proc.userMs / proc.builtinMs, rounds: PROCESS_ROUNDS },
    emulator: { ...lambda, ratio: lambda.userMs / lambda.builtinMs, rounds: LAMBDA_ROUNDS },
    limit: LIMIT,
  });
  console.log(`\nwrote ${file}`);
}
