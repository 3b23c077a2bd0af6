/**
 * Fetch stage and pipeline overlap, measured in one run against a document server in a child process
 * (127.0.0.1, 50 ms latency per document, so the server never competes with the main thread being measured):
 * - fetch 500 documents at concurrency 64 with fanout's fetch pool (default placement, started inside the clock) vs a
 *   main-thread p-limit + undici (same concurrency and sockets), interleaved rounds, median of the paired ratios; once
 *   on plain I/O (goal ≥ 1.0×) and once with the main thread busy in 20 ms CPU slices (goal ≥ 1.5×).
 * - pipelined wordcount (process backend, 2 workers, start-up included) vs max(fetch-only, cpu-only) on the same input,
 *   each stage with its own start-up and close inside the clock as in the call, interleaved rounds, medians
 *   (goal ≤ 1.15×), with the core time every process spent in it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Backend } from '../orchestrator/backends/backend.js';
import { createBackend } from '../orchestrator/backends/create-backend.js';
import { generateDocs } from '../orchestrator/docs-server/demo-docs.js';
import { fanout } from '../orchestrator/fanout.js';
import { type DocBatch, fetchDocBatches } from '../orchestrator/fetch/fetch-stage.js';
import { readUrlList } from '../orchestrator/fetch/url-list.js';
import { resolveRunOptions } from '../orchestrator/options.js';
import { runScheduler } from '../orchestrator/scheduler/scheduler.js';
import { median, printTable, repoRoot, writeResult } from './bench-results.js';
import { type GoalRow, goalRow } from './goals.js';
import { fetchWithPLimit, fetchWithPool, listUrls } from './peers/peer-fetch.js';
import { fmtSpread, interleaved, pairedRatio, timed } from './peers/peer-rounds.js';

const DOCS = 500;
const LATENCY_MS = 50;
const CONCURRENCY = 64;
const WORDS_PER_DOC = 4000;
const IDEAL_MS = Math.ceil(DOCS / CONCURRENCY) * LATENCY_MS;

/** Starts the docs server in a child process; resolves with its index URL and a stop function. */
export async function serveDocs(
  dir: string,
  latencyMs = LATENCY_MS,
): Promise<{ indexUrl: string; pid: number | undefined; stop(): void }> {
  const module = join(repoRoot, 'dist', 'orchestrator', 'docs-server', 'docs-server.js');
  const code = `const { startDocsServer } = await import(${JSON.stringify(module)});
const s = await startDocsServer({ dir: ${JSON.stringify(dir)}, latencyMs: ${latencyMs} });
console.log(s.indexUrl);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`docs server exited with ${c}`)));
  });
  return { indexUrl: first.trim(), pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/**
 * CPU time (user + system) of process `pid` so far, ms, from /proc; with `children`, that of its children it has waited
 * for instead (cutime + cstime). 0 where that cannot be read.
 */
export function processCpuMs(pid: number | undefined, children = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const at = children ? 13 : 11; // utime, stime (or cutime, cstime) in clock ticks (USER_HZ = 100)
    return ((Number(fields[at]) + Number(fields[at + 1])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU slice the main thread runs between event-loop turns in the "busy main thread" case, ms. */
const BUSY_SLICE_MS = 20;

/**
 * Keeps the main thread busy in {@link BUSY_SLICE_MS} slices (as an inline CPU stage would) until `work` settles: the
 * event loop only gets a turn between slices.
 */
async function withBusyMainThread<T>(work: () => Promise<T>): Promise<T> {
  let done = false;
  const p = work().finally(() => {
    done = true;
  });
  while (!done) {
    const end = performance.now() + BUSY_SLICE_MS;
    while (performance.now() < end) {
      // spin: this is the CPU work that competes with I/O callbacks on one thread
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return p;
}

/** Interleaved rounds of the fetch comparison (each round: fanout's pool and p-limit + undici, order rotated). */
const ROUNDS = 5;

/** fanout's pool vs p-limit + undici, both started inside the clock, `ROUNDS` interleaved rounds; wall ms each. */
async function fetchRounds(urls: string[], busy: boolean): Promise<{ pool: number[]; pLimit: number[] }> {
  const wrap = (run: () => Promise<number>) => (busy ? () => withBusyMainThread(run) : run);
  const walls = await interleaved(
    [
      { name: 'pool', run: wrap(() => fetchWithPool(urls, CONCURRENCY)) },
      { name: 'p-limit', run: wrap(() => fetchWithPLimit(urls, CONCURRENCY)) },
    ],
    ROUNDS,
  );
  return { pool: walls.get('pool') ?? [], pLimit: walls.get('p-limit') ?? [] };
}

/** Pipelined rounds: fetch-only, CPU-only and the whole pipelined call, interleaved. */
const PIPE_ROUNDS = 3;

/** Runs the bench and writes bench/results/fetch-overlap.json. */
export async function run(): Promise<void> {
  const load = loadavg()[0] as number;
  const dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-bench-docs-')), DOCS, WORDS_PER_DOC);
  const server = await serveDocs(dir);
  try {
    const urls = await listUrls(server.indexUrl);
    const list = join(dir, '..', `${dir.split('/').pop()}-urls.txt`);
    writeFileSync(list, `${urls.join('\n')}\n`);
    await fetchWithPLimit(urls.slice(0, CONCURRENCY), CONCURRENCY); // warm-up: JIT and the server's first connections
    await fetchWithPool(urls.slice(0, CONCURRENCY), CONCURRENCY);
    const plain = await fetchRounds(urls, false);
    const busy = await fetchRounds(urls, true);
    const plainRatio = pairedRatio(plain.pool, plain.pLimit);
    const busyRatio = pairedRatio(busy.pool, busy.pLimit);

    // Fetch-only: the fetch stage with batching, no CPU stage; its batches feed the CPU-only run.
    const batches: DocBatch[] = [];
    const fetchOnly = async (): Promise<number> =>
      timed(async () => {
        batches.length = 0;
        for await (const b of fetchDocBatches(readUrlList(list), {
          fetch: { concurrency: CONCURRENCY },
          maxReadyBatches: 1_000,
        }))
          batches.push(b);
      });
    await fetchOnly();
    // CPU-only: the same batches, already fetched, on the process backend (2 workers). Like the fetch-only stage, which
    // starts and closes its pool inside the clock, and like the whole call, which forks its workers, the backend is
    // started and stopped inside the clock: max(stage) compares like with like. The warm figure (workers started
    // before the clock) is kept for reference.
    const cpuRun = (backend: Backend) =>
      runScheduler(
        batches.map((batch, i) => ({ id: String(i), batch })),
        { backend, onResult: () => {}, ...resolveRunOptions({}), speculate: false },
      );
    const startBackend = async (): Promise<Backend> => {
      const b = await createBackend('process', { workers: 2 });
      await b.start({ task: { kind: 'builtin', name: 'wordcount' } });
      return b;
    };
    const cpuOnly = (): Promise<number> =>
      timed(async () => {
        const b = await startBackend();
        await cpuRun(b);
        await b.stop();
      });
    const backend = await startBackend();
    const cpuWarm = (): Promise<number> =>
      timed(async () => {
        await cpuRun(backend);
      });
    // The whole pipelined call, start-up included (the fork of its 2 workers), with the CPU every side of it spent:
    // this process (main thread + any fetch threads), the CPU workers and the docs server.
    const cores: { mainMs: number; workersMs: number; docsServerMs: number; callMs: number; wallMs: number }[] = [];
    const piped = async (): Promise<number> => {
      const server0 = processCpuMs(server.pid);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await fanout(
        'wordcount',
        { urls: list, fetchConcurrency: CONCURRENCY },
        { backend: 'process', workers: 2 },
      );
      const callMs = performance.now() - t0;
      const main = process.cpuUsage(cpu0);
      cores.push({
        mainMs: Math.round((main.user + main.system) / 1000),
        workersMs: Math.round(r.stats.cpuMs),
        docsServerMs: Math.round(processCpuMs(server.pid) - server0),
        callMs: Math.round(callMs),
        wallMs: r.stats.wallMs,
      });
      return callMs;
    };
    const walls = await interleaved(
      [
        { name: 'fetch-only', run: fetchOnly },
        { name: 'cpu-only', run: cpuOnly },
        { name: 'cpu-warm', run: cpuWarm },
        { name: 'pipelined', run: piped },
      ],
      PIPE_ROUNDS,
    );
    await backend.stop();
    const med = (name: string): number => Math.round(median(walls.get(name) ?? []));
    const bound = Math.max(med('fetch-only'), med('cpu-only'));
    const pipedMs = med('pipelined');
    const typical = [...cores].sort((a, b) => a.callMs - b.callMs)[Math.floor(cores.length / 2)] ?? cores[0];
    const coreFloorMs = typical
      ? Math.round((typical.mainMs + typical.workersMs + typical.docsServerMs) / availableParallelism())
      : 0;
    const idealRow = (measure: string, runs: number[]) => ({
      measure,
      ms: Math.round(median(runs)),
      vs: 'ideal',
      ref: IDEAL_MS,
      ratio: (median(runs) / IDEAL_MS).toFixed(2),
    });
    const rows = [
      idealRow('fanout fetch pool (placement auto), plain I/O', plain.pool),
      idealRow('main-thread p-limit + undici, plain I/O', plain.pLimit),
      { measure: 'fanout speed vs p-limit + undici, plain I/O', ms: '', vs: '', ref: '', ratio: fmtSpread(plainRatio) },
      idealRow(`busy main thread (${BUSY_SLICE_MS} ms CPU slices): fanout fetch pool`, busy.pool),
      idealRow('busy main thread: p-limit + undici', busy.pLimit),
      { measure: 'fanout speed vs p-limit + undici, busy', ms: '', vs: '', ref: '', ratio: fmtSpread(busyRatio) },
      { measure: 'fetch-only stage (with batching)', ms: med('fetch-only'), vs: '', ref: '', ratio: '' },
      {
        measure: 'cpu-only (process, 2 workers, started and stopped inside the clock)',
        ms: med('cpu-only'),
        vs: '',
        ref: '',
        ratio: '',
      },
      { measure: 'cpu-only on warm workers (for reference)', ms: med('cpu-warm'), vs: '', ref: '', ratio: '' },
      {
        measure: 'pipelined wordcount (whole call, with start-up)',
        ms: pipedMs,
        vs: 'max(fetch, cpu)',
        ref: bound,
        ratio: (pipedMs / bound).toFixed(2),
      },
      {
        measure: `core time of the median pipelined call ÷ ${availableParallelism()} cores (main ${typical?.mainMs}, workers ${typical?.workersMs}, server ${typical?.docsServerMs})`,
        ms: typical?.callMs ?? '',
        vs: 'core floor',
        ref: coreFloorMs,
        ratio: typical ? (typical.callMs / coreFloorMs).toFixed(2) : '',
      },
    ];
    printTable(
      `fetch-overlap: ${DOCS} docs × ${WORDS_PER_DOC} words, ${LATENCY_MS} ms latency, medians of ${ROUNDS} (fetch) and ${PIPE_ROUNDS} (pipeline) interleaved rounds; load average ${load.toFixed(2)}`,
      rows,
    );
    const goals: GoalRow[] = [
      goalRow('fetch threads vs main-thread p-limit + undici, plain I/O', plainRatio.median, { atLeast: 1 }),
      goalRow('fetch threads vs main-thread p-limit + undici, busy main thread', busyRatio.median, { atLeast: 1.5 }),
      goalRow('pipelined wordcount, whole call vs max(stage)', pipedMs / bound, { atMost: 1.15 }),
    ];
    await writeResult('fetch-overlap', {
      docs: DOCS,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      wordsPerDoc: WORDS_PER_DOC,
      idealMs: IDEAL_MS,
      loadAverageAtStart: load,
      plainIo: { ...plain, ratio: plainRatio },
      busyMainThread: { sliceMs: BUSY_SLICE_MS, ...busy, ratio: busyRatio },
      pipeline: {
        fetchOnlyMs: walls.get('fetch-only'),
        cpuOnlyMs: walls.get('cpu-only'),
        cpuWarmMs: walls.get('cpu-warm'),
        pipelinedMs: walls.get('pipelined'),
        coreTime: cores,
        coreFloorMs,
      },
      rows,
      goals,
    });
  } finally {
    server.stop();
  }
}
