/**
 * Start-up: whole `fanout` processes against a bare `node -e 0`, interleaved, medians of several rounds — what a user
 * waits for before any batch runs. Writes bench/results/startup.json.
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { median, printTable, repoRoot, writeResult } from './bench-results.js';
import { goalRow } from './goals.js';

const execFileP = promisify(execFile);
const ROUNDS = 9;
const BIN = join(repoRoot, 'bin', 'fanout.js');
const VERSION_HELP = '`fanout --version`, `fanout --help` vs `node -e 0`';

/**
 * The commands timed, each a whole process; `node -e 0` is the floor they are divided by. `row` is the goal row of
 * issue 18's table a case belongs to (a row with two commands reports the slower one).
 */
const CASES: { name: string; args: string[]; goal?: number; row?: string }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'fanout --version', args: [BIN, '--version'], goal: 1.5, row: VERSION_HELP },
  { name: 'fanout --help', args: [BIN, '--help'], goal: 1.5, row: VERSION_HELP },
  {
    name: 'fanout run primes --limit 10 --backend inline --json',
    args: [BIN, 'run', 'primes', '--limit', '10', '--backend', 'inline', '--json'],
    goal: 2,
    row: '`fanout run primes --limit 10 --backend inline --json` vs `node -e 0`',
  },
  {
    name: 'fanout run primes --limit 10 --backend process --json',
    args: [BIN, 'run', 'primes', '--limit', '10', '--backend', 'process', '--json'],
    goal: 3,
    row: 'same with `--backend process`',
  },
];

async function wallMs(args: string[]): Promise<number> {
  const t0 = performance.now();
  await execFileP(process.execPath, args, {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
  });
  return performance.now() - t0;
}

/** Runs the suite, prints the table and writes bench/results/startup.json. */
export async function run(): Promise<unknown> {
  const load = loadavg()[0];
  const times = CASES.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    // interleaved: each round runs every case once, in a rotated order
    for (let k = 0; k < CASES.length; k++) {
      const i = (k + r) % CASES.length;
      times[i]?.push(await wallMs(CASES[i]?.args ?? []));
    }
  }
  const floor = median(times[0] ?? []);
  const rows = CASES.map((c, i) => {
    const ms = median(times[i] ?? []);
    const ratio = ms / floor;
    return {
      name: c.name,
      ms: Math.round(ms),
      ratio,
      goal: c.goal,
      met: c.goal === undefined ? undefined : ratio <= c.goal,
    };
  });
  printTable(
    `startup: whole processes, median of ${ROUNDS} interleaved rounds (load average ${load?.toFixed(2)} at the start)`,
    rows.map((r) => ({
      command: r.name,
      'median ms': r.ms,
      'vs node -e 0': `${r.ratio.toFixed(2)}×`,
      goal: r.goal === undefined ? '' : `≤ ${r.goal}×`,
      met: r.met === undefined ? '' : r.met ? 'yes' : 'no',
    })),
  );
  // one goal row per row of the table, at its worst case
  const worst = new Map<string, { ratio: number; goal: number }>();
  for (const [i, c] of CASES.entries()) {
    const ratio = rows[i]?.ratio ?? Number.NaN;
    if (c.row === undefined || c.goal === undefined) continue;
    const seen = worst.get(c.row);
    if (!seen || ratio > seen.ratio) worst.set(c.row, { ratio, goal: c.goal });
  }
  const goals = [...worst].map(([measure, w]) => goalRow(measure, w.ratio, { atMost: w.goal }));
  return writeResult('startup', { rounds: ROUNDS, loadAverageAtStart: load, rows, goals });
}
