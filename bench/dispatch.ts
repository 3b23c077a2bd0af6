/**
 * Dispatch overhead: 20,000 no-op batches (the built-in `sleep` task with `--ms 0`) through fanout's thread and process
 * backends, 2 workers, for queue depths K = 1, 4, 8, 16, 32 and the default (adaptive: 2 until batches prove tiny, then
 * up to DEFAULTS.queueDepth), next to raw baselines that do nothing but move messages:
 * `child_process.fork` + IPC and `worker_threads` + postMessage, each with 64 messages in flight over 2 workers.
 * Every contender is timed warm: a fresh child's first thousands of messages run before its JIT has compiled the path,
 * which halves the figure. The raw baselines (the pipe's real limit) start their workers once, warm them up with one
 * untimed run and keep them across rounds; each fanout configuration starts its pool per round and gives it one
 * untimed warm-up run of the same size first (a warm-up of a tenth of that, as this suite did before, left fanout's
 * children half cold against warm raw ones). Rounds are interleaved (every
 * configuration once per round) and the figure is the median over rounds, with min and max. This is what chose the
 * default queue depth (options.ts DEFAULTS.queueDepth).
 *
 * `node dist/bench/dispatch.js [rounds] [tasks]` (defaults 5 and 20,000).
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Backend } from '../orchestrator/backends/backend.js';
import { ProcessBackend } from '../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../orchestrator/backends/thread/thread-backend.js';
import { fanout } from '../orchestrator/fanout.js';
import { DEFAULTS } from '../orchestrator/options.js';
import { median, printTable, writeResult } from './bench-results.js';
import { goalRow } from './goals.js';

const WORKERS = 2;
/** Fixed depths (an explicit `queueDepth`), then the default: adaptive, up to DEFAULTS.queueDepth for tiny batches. */
const DEPTHS: (number | undefined)[] = [1, 4, 8, 16, 32, undefined];
const RAW_IN_FLIGHT = 64;

/** One configuration's measurements. */
interface Row {
  name: string;
  kind: 'fanout' | 'raw';
  backend: string;
  queueDepth?: number | 'default';
  tasksPerSec: number[];
}

/** A way to run `tasks` no-op round trips once; returns the wall time in ms. `close` ends what it keeps warm. */
type Runner = ((tasks: number) => Promise<number>) & { close?: () => Promise<void> };

/**
 * A fanout configuration: a pool started for the run, given one untimed warm-up run of the same size (so its workers'
 * JIT is as warm as the raw baselines' after theirs), timed, and stopped, so no idle pool's parent watch (a child's
 * shell loop, 5 polls a second) adds load while the other contenders run.
 */
function fanoutRunner(kind: 'thread' | 'process', queueDepth: number | undefined): Runner {
  return async (n) => {
    const options = { workers: WORKERS, ...(queueDepth === undefined ? {} : { queueDepth }) };
    const backend: Backend = kind === 'thread' ? new ThreadBackend(options) : new ProcessBackend(options);
    await backend.start({ task: { kind: 'builtin', name: 'sleep' } });
    try {
      await fanout('sleep', { batches: n, ms: 0 }, { backend }); // warm-up, untimed
      const t0 = performance.now();
      const { result } = await fanout<{ batches: number }>('sleep', { batches: n, ms: 0 }, { backend });
      const ms = performance.now() - t0;
      if (result.batches !== n)
        throw new Error(`${kind} K=${queueDepth ?? 'default'}: merged ${result.batches} of ${n} batches`);
      return ms;
    } finally {
      await backend.stop();
    }
  };
}

/** Echo endpoints for the raw baselines: `send` one message; `reply` is called for every answer. */
interface Echo {
  send(i: number): void;
  reply: () => void;
  close(): Promise<void>;
}

function forkEcho(serialization: 'json' | 'advanced'): Echo {
  const child = fork(fileURLToPath(new URL('./raw-ipc-child.js', import.meta.url)), [], {
    serialization,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const echo: Echo = {
    send: (i) => child.send({ i }),
    reply: () => {},
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
  child.on('message', () => echo.reply());
  return echo;
}

function threadEcho(): Echo {
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage({ i: m.i, r: 1 }));",
    { eval: true },
  );
  const echo: Echo = {
    send: (i) => worker.postMessage({ i }),
    reply: () => {},
    close: async () => {
      await worker.terminate();
    },
  };
  worker.on('message', () => echo.reply());
  return echo;
}

/** Keeps `RAW_IN_FLIGHT` messages in flight over the endpoints until `count` have come back. */
function pass(echoes: Echo[], count: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = 0;
    for (const e of echoes) {
      e.reply = () => {
        done++;
        if (sent < count) e.send(sent++);
        if (done === count) resolve();
      };
    }
    for (let k = 0; k < RAW_IN_FLIGHT && sent < count; k++) (echoes[k % echoes.length] as Echo).send(sent++);
  });
}

/** A raw baseline: its endpoints start on the first run, get one untimed warm-up pass, and stay warm until `close`. */
function rawRunner(make: () => Echo): Runner {
  let echoes: Echo[] | undefined;
  const runner: Runner = async (n) => {
    if (!echoes) {
      echoes = Array.from({ length: WORKERS }, make);
      await pass(echoes, n); // warm-up (also waits for the endpoints to be up)
    }
    const t0 = performance.now();
    await pass(echoes, n);
    return performance.now() - t0;
  };
  runner.close = async () => {
    await Promise.all((echoes ?? []).map((e) => e.close()));
    echoes = undefined;
  };
  return runner;
}

/** Runs the benchmark, writes `bench/results/dispatch.json` and prints the table. */
export async function run(rounds = 5, tasks = 20_000): Promise<void> {
  const configs: [Row, Runner][] = [];
  for (const kind of ['thread', 'process'] as const) {
    for (const k of DEPTHS) {
      const row: Row = {
        name: k === undefined ? `fanout ${kind} default` : `fanout ${kind} K=${k}`,
        kind: 'fanout',
        backend: kind,
        queueDepth: k ?? 'default',
        tasksPerSec: [],
      };
      configs.push([row, fanoutRunner(kind, k)]);
    }
  }
  configs.push([
    { name: 'raw fork+IPC (json)', kind: 'raw', backend: 'process', tasksPerSec: [] },
    rawRunner(() => forkEcho('json')),
  ]);
  configs.push([
    { name: 'raw fork+IPC (advanced)', kind: 'raw', backend: 'process', tasksPerSec: [] },
    rawRunner(() => forkEcho('advanced')),
  ]);
  configs.push([
    { name: 'raw worker_threads', kind: 'raw', backend: 'thread', tasksPerSec: [] },
    rawRunner(threadEcho),
  ]);
  const loadBefore = loadavg()[0] as number;
  try {
    for (let r = 0; r < rounds; r++) {
      // rotate the order each round so no configuration always runs first (or right after the heaviest one)
      for (let j = 0; j < configs.length; j++) {
        const [row, runner] = configs[(j + r) % configs.length] as [Row, Runner];
        const ms = await runner(tasks);
        row.tasksPerSec.push(Math.round((tasks / ms) * 1000));
      }
    }
  } finally {
    for (const [, runner] of configs) await runner.close?.();
  }
  const loadAverage1m = { before: loadBefore, after: loadavg()[0] as number };
  const rows = configs.map(([row]) => ({
    ...row,
    median: median(row.tasksPerSec),
    min: Math.min(...row.tasksPerSec),
    max: Math.max(...row.tasksPerSec),
  }));
  const rawIpc = rows.find((r) => r.name === 'raw fork+IPC (json)')?.median ?? Number.NaN;
  const rawThread = rows.find((r) => r.name === 'raw worker_threads')?.median ?? Number.NaN;
  const ratio = (r: (typeof rows)[number]): number =>
    Math.round((r.median / (r.backend === 'thread' ? rawThread : rawIpc)) * 1000) / 1000;
  // the goal is paired per round (both ran in the same round, minutes apart at most), then the median over rounds
  const processDefault = rows.find((r) => r.name === 'fanout process default');
  const rawIpcRow = rows.find((r) => r.name === 'raw fork+IPC (json)');
  const pairedVsRaw =
    processDefault && rawIpcRow
      ? processDefault.tasksPerSec.map((t, i) => t / (rawIpcRow.tasksPerSec[i] as number))
      : [];
  const goals =
    pairedVsRaw.length > 0
      ? [
          goalRow(
            'process dispatch vs a warm raw fork+IPC pipe (no-op, 2 workers, 64 in flight)',
            median(pairedVsRaw),
            { atLeast: 0.5 },
          ),
        ]
      : [];
  await writeResult('dispatch', {
    tasks,
    workers: WORKERS,
    rounds,
    rawInFlight: RAW_IN_FLIGHT,
    defaultQueueDepth: DEFAULTS.queueDepth,
    method:
      'built-in sleep task with ms 0 (no-op map), one item per batch; fanout: a pool per round with one untimed warm-up run of the same size; raw baselines: workers started once, one untimed warm-up run, kept warm across rounds; rounds interleaved with rotating order; median/min/max of tasks/s',
    loadAverage1m,
    rows: rows.map((r) => ({ ...r, vsRaw: ratio(r) })),
    processDefaultVsRawPerRound: pairedVsRaw.map((x) => Math.round(x * 1000) / 1000),
    goals,
  });
  printTable(
    `no-op dispatch, ${tasks} tasks, ${WORKERS} workers, median of ${rounds} interleaved rounds (load avg ` +
      `${loadAverage1m.before.toFixed(1)} → ${loadAverage1m.after.toFixed(1)}); vs raw = ÷ raw worker_threads (thread) or raw fork+IPC json (process)`,
    rows.map((r) => ({
      config: r.name,
      'tasks/s': r.median,
      min: r.min,
      max: r.max,
      'vs raw': ratio(r).toFixed(3),
    })),
  );
  console.log(
    `process default vs raw fork+IPC (json), paired per round: ${pairedVsRaw.map((x) => x.toFixed(3)).join(', ')}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [rounds, tasks] = process.argv.slice(2).map(Number);
  await run(rounds || undefined, tasks || undefined);
}
