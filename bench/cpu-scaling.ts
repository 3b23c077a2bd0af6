/**
 * CPU scaling: primes N = 10^8 inline vs thread vs process, 2 workers each, measured in one run (goal on 2 cores:
 * thread and process ≥ 1.85× faster than inline). Pools are started and given one untimed warm-up run (so every
 * worker's JIT has compiled the sieve) before the clock runs: the figure is the steady-state speed-up. Pool start-up
 * is reported on its own. Runs are interleaved (inline, thread, process, inline, …) so that load from other programs
 * on the machine hits every backend alike; the load average is recorded with the result. Then π(10^9) as a user
 * runs it, whole processes against two plain node processes (whole-process-pi.ts).
 */
import { loadavg } from 'node:os';
import type { Backend } from '../orchestrator/backends/backend.js';
import { InlineBackend } from '../orchestrator/backends/inline/inline-backend.js';
import { ProcessBackend } from '../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../orchestrator/backends/thread/thread-backend.js';
import { fanout } from '../orchestrator/fanout.js';
import { median, printTable, writeResult } from './bench-results.js';
import { goalRow } from './goals.js';
import { wholeProcessPi } from './whole-process-pi.js';

const LIMIT = 1e8;
const EXPECTED = 5_761_455;
const WORKERS = 2;
const RUNS = 9;
const GOAL = 1.85;
/** Rounds of the whole-process π(10^9) comparison (each round: two fanout processes and the two plain ones). */
const WHOLE_ROUNDS = 5;
const WHOLE_GOAL = 0.97;

interface Row {
  backend: string;
  startMs: number;
  runsMs: number[];
  medianMs: number;
  cpuMs: number;
  batches: number;
}

async function timedRun(row: Row, backend: Backend): Promise<void> {
  const { result, stats } = await fanout<{ count: number }>('primes', { limit: LIMIT }, { backend });
  if (result.count !== EXPECTED) throw new Error(`${row.backend}: got ${result.count} primes, expected ${EXPECTED}`);
  row.runsMs.push(stats.wallMs);
  row.cpuMs = stats.cpuMs;
  row.batches = stats.batches;
}

/** Runs the benchmark, writes `bench/results/cpu-scaling.json` and prints the table. */
export async function run(): Promise<void> {
  const backends: [string, Backend][] = [
    ['inline', new InlineBackend(1)],
    ['thread', new ThreadBackend({ workers: WORKERS })],
    ['process', new ProcessBackend({ workers: WORKERS })],
  ];
  const rows: Row[] = [];
  const loadBefore = loadavg()[0] as number;
  try {
    for (const [name, backend] of backends) {
      const t0 = performance.now();
      await backend.start({ task: { kind: 'builtin', name: 'primes' } });
      rows.push({ backend: name, startMs: performance.now() - t0, runsMs: [], medianMs: 0, cpuMs: 0, batches: 0 });
      await fanout('primes', { limit: LIMIT }, { backend }); // warm-up, untimed
    }
    for (let i = 0; i < RUNS; i++) {
      for (const [j, [, backend]] of backends.entries()) await timedRun(rows[j] as Row, backend);
    }
  } finally {
    for (const [, backend] of backends) await backend.stop();
  }
  for (const r of rows) r.medianMs = median(r.runsMs);
  const inline = rows[0] as Row;
  const ratios = Object.fromEntries(rows.slice(1).map((r) => [`${r.backend}/inline`, inline.medianMs / r.medianMs]));
  const whole = await wholeProcessPi(WHOLE_ROUNDS);
  const wholeWorst = Math.min(...whole.flatMap((w) => (w.vsPlain ? [w.vsPlain.median] : [])));
  const loadAverage1m = { before: loadBefore, after: loadavg()[0] as number };
  await writeResult('cpu-scaling', {
    task: 'primes',
    limit: LIMIT,
    workers: WORKERS,
    runs: RUNS,
    pools: 'started and warmed up (one untimed run) before timing; runs interleaved; start-up reported as startMs',
    goal: `thread and process >= ${GOAL}x faster than inline`,
    loadAverage1m,
    rows,
    ratios,
    wholeProcessPi: {
      method: `whole processes, ${WHOLE_ROUNDS} interleaved rounds; vsPlain = plain wall ÷ fanout wall per round (>1: fanout faster)`,
      rows: whole,
    },
    goals: [
      goalRow('π(10^9) whole process, `--backend process` and `thread`, vs two plain node processes', wholeWorst, {
        atLeast: WHOLE_GOAL,
      }),
    ],
  });
  printTable(
    `primes N=10^8, ${WORKERS} workers, median of ${RUNS} interleaved runs (pools started and warmed up before timing; ` +
      `load avg ${loadAverage1m.before.toFixed(1)} → ${loadAverage1m.after.toFixed(1)})`,
    rows.map((r) => ({
      backend: r.backend,
      'median ms': Math.round(r.medianMs),
      'runs ms': r.runsMs.map(Math.round).join(' / '),
      'pool start ms': Math.round(r.startMs),
      'cpu ms': Math.round(r.cpuMs),
      batches: r.batches,
      'speed-up vs inline': r.backend === 'inline' ? '1.00x' : `${(inline.medianMs / r.medianMs).toFixed(2)}x`,
      goal: r.backend === 'inline' ? '' : `${GOAL}x ${inline.medianMs / r.medianMs >= GOAL ? 'met' : 'missed'}`,
    })),
  );
  printTable(
    `π(10^9), whole processes (node start-up included), median of ${WHOLE_ROUNDS} interleaved rounds`,
    whole.map((w) => ({
      contender: w.contender,
      'median ms': w.medianMs,
      'runs ms': w.wallMs.join(' / '),
      'vs two plain processes': w.vsPlain
        ? `${w.vsPlain.median.toFixed(2)}× (${w.vsPlain.min.toFixed(2)}–${w.vsPlain.max.toFixed(2)})`
        : '',
      goal: w.vsPlain ? `≥ ${WHOLE_GOAL}× ${w.vsPlain.median >= WHOLE_GOAL ? 'met' : 'missed'}` : '',
    })),
  );
}
