/**
 * Fetch stage and pipeline overlap, measured in one run against a document server in a child process
 * (127.0.0.1, 50 ms latency per document, so the server never competes with the main thread being measured):
 * - fetch 500 documents at concurrency 64 with the fetch threads vs the ideal ⌈500/64⌉ × 50 ms and vs a main-thread
 *   baseline (p-limit + undici, same concurrency and sockets). Goals: ≤ 1.10× ideal, ≥ 1.0× the baseline.
 * - pipelined wordcount (process backend, 2 workers) vs max(fetch-only, cpu-only) on the same input. Goal ≤ 1.10×;
 *   and when its first fetch left after the run's start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { createBackend } from '../orchestrator/backends/create-backend.js';
import { generateDocs } from '../orchestrator/docs-server/demo-docs.js';
import { fanout } from '../orchestrator/fanout.js';
import { FetchPool } from '../orchestrator/fetch/fetch-pool.js';
import { type DocBatch, fetchDocBatches } from '../orchestrator/fetch/fetch-stage.js';
import { readUrlList } from '../orchestrator/fetch/url-list.js';
import { resolveRunOptions } from '../orchestrator/options.js';
import { runScheduler } from '../orchestrator/scheduler/scheduler.js';
import { printTable, repoRoot, writeResult } from './bench-results.js';

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

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - t0), value };
}

/** CPU time (user + system) of process `pid` so far, ms, from /proc; 0 where that cannot be read. */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Main-thread baseline: p-limit + undici, bodies read to the end. */
async function baseline(urls: string[]): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY });
  const limit = pLimit(CONCURRENCY);
  const sizes = await Promise.all(
    urls.map((u) =>
      limit(async () => {
        const res = await request(u, { dispatcher: agent });
        return (await res.body.arrayBuffer()).byteLength;
      }),
    ),
  );
  await agent.close();
  return sizes.length;
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

async function threads(urls: string[], busy = false): Promise<number> {
  const pool = new FetchPool({ concurrency: CONCURRENCY, threads: 2 });
  await pool.start();
  // Same warm-up as the baseline gets: JIT in each thread and the first connections.
  await Promise.all(urls.slice(0, CONCURRENCY).map((u) => pool.fetch(u)));
  const t0 = performance.now();
  const all = () => Promise.all(urls.map((u) => pool.fetch(u)));
  const results = busy ? await withBusyMainThread(all) : await all();
  const ms = performance.now() - t0;
  await pool.close();
  if (results.some((r) => !r.ok)) throw new Error('a fetch failed');
  return Math.round(ms);
}

/** Runs the bench and writes bench/results/fetch-overlap.json. */
export async function run(): Promise<void> {
  const dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-bench-docs-')), DOCS, WORDS_PER_DOC);
  const server = await serveDocs(dir);
  try {
    const index = await (await request(server.indexUrl)).body.text();
    const urls = index.split('\n').filter(Boolean);
    const list = join(dir, '..', `${dir.split('/').pop()}-urls.txt`);
    writeFileSync(list, index);
    await baseline(urls.slice(0, 64)); // warm-up: JIT and the server's first connections
    const base = await timed(() => baseline(urls));
    // the same fetch, with the CPU it took in this process (main + fetch threads) and in the docs server
    const fetchServer0 = processCpuMs(server.pid);
    const fetchCpu0 = process.cpuUsage();
    const threadMs = await threads(urls);
    const fetchCpu = process.cpuUsage(fetchCpu0);
    const fetchCore = {
      clientMs: Math.round((fetchCpu.user + fetchCpu.system) / 1000),
      docsServerMs: Math.round(processCpuMs(server.pid) - fetchServer0),
    };
    // When threads win: the main thread is busy with CPU work (an inline CPU stage), so a main-thread fetch loop only
    // issues the next request between slices, while the fetch threads keep their sockets busy.
    const busyBase = await timed(() => withBusyMainThread(() => baseline(urls)));
    const busyThreadMs = await threads(urls, true);

    // Fetch-only: the fetch stage with batching, no CPU stage; keeps the batches for the CPU-only run.
    const batches: DocBatch[] = [];
    const fetchOnly = await timed(async () => {
      for await (const b of fetchDocBatches(readUrlList(list), {
        fetch: { concurrency: CONCURRENCY },
        maxReadyBatches: 1_000,
      }))
        batches.push(b);
    });
    // CPU-only: the same batches on the process backend, already fetched.
    const backend = await createBackend('process', { workers: 2 });
    await backend.start({ task: { kind: 'builtin', name: 'wordcount' } });
    const cpuOnly = await timed(() =>
      runScheduler(
        batches.map((batch, i) => ({ id: String(i), batch })),
        { backend, onResult: () => {}, ...resolveRunOptions({}), speculate: false },
      ),
    );
    await backend.stop();
    // CPU of everything the pipelined run keeps busy on these cores: this process (main thread + fetch threads), the
    // CPU workers (their batches' CPU) and the docs server; divided by the cores it is a floor under the wall time.
    const serverCpu0 = processCpuMs(server.pid);
    const cpu0 = process.cpuUsage();
    const piped = await timed(() =>
      fanout('wordcount', { urls: list, fetchConcurrency: CONCURRENCY }, { backend: 'process', workers: 2 }),
    );
    const mainCpu = process.cpuUsage(cpu0);
    const coreTime = {
      mainAndFetchThreadsMs: Math.round((mainCpu.user + mainCpu.system) / 1000),
      cpuWorkersMs: Math.round(piped.value.stats.cpuMs),
      docsServerMs: Math.round(processCpuMs(server.pid) - serverCpu0),
    };
    const coreBoundMs = Math.round(
      (coreTime.mainAndFetchThreadsMs + coreTime.cpuWorkersMs + coreTime.docsServerMs) / availableParallelism(),
    );
    const bound = Math.max(fetchOnly.ms, cpuOnly.ms);
    // Start-up: when the first fetch left, measured from the run's start (the timeline's zero).
    const fetchStarts = piped.value.stats.records.filter((r) => r.stage === 'fetch').map((r) => r.startMs);
    const firstFetchMs = fetchStarts.length > 0 ? Math.round(Math.min(...fetchStarts)) : -1;
    const rows = [
      {
        measure: 'fetch threads (500 docs, c=64)',
        ms: threadMs,
        vs: 'ideal',
        ref: IDEAL_MS,
        ratio: (threadMs / IDEAL_MS).toFixed(2),
        goal: '≤ 1.10',
      },
      {
        measure: `fetch threads: CPU while fetching (client ${fetchCore.clientMs} ms incl. pool start, server ${fetchCore.docsServerMs} ms)`,
        ms: fetchCore.clientMs + fetchCore.docsServerMs,
        vs: 'wall',
        ref: threadMs,
        ratio: ((fetchCore.clientMs + fetchCore.docsServerMs) / threadMs).toFixed(2),
        goal: '',
      },
      {
        measure: 'main-thread p-limit + undici',
        ms: base.ms,
        vs: 'ideal',
        ref: IDEAL_MS,
        ratio: (base.ms / IDEAL_MS).toFixed(2),
        goal: '',
      },
      {
        measure: 'fetch threads speed vs baseline',
        ms: threadMs,
        vs: 'baseline',
        ref: base.ms,
        ratio: (base.ms / threadMs).toFixed(2),
        goal: '≥ 1.0',
      },
      {
        measure: `busy main thread (${BUSY_SLICE_MS} ms CPU slices): p-limit + undici`,
        ms: busyBase.ms,
        vs: 'ideal',
        ref: IDEAL_MS,
        ratio: (busyBase.ms / IDEAL_MS).toFixed(2),
        goal: '',
      },
      {
        measure: 'busy main thread: fetch threads',
        ms: busyThreadMs,
        vs: 'ideal',
        ref: IDEAL_MS,
        ratio: (busyThreadMs / IDEAL_MS).toFixed(2),
        goal: '',
      },
      {
        measure: 'busy main thread: threads speed vs baseline',
        ms: busyThreadMs,
        vs: 'baseline',
        ref: busyBase.ms,
        ratio: (busyBase.ms / busyThreadMs).toFixed(2),
        goal: '',
      },
      { measure: 'fetch-only stage (with batching)', ms: fetchOnly.ms, vs: '', ref: '', ratio: '', goal: '' },
      {
        measure: 'pipelined wordcount: first fetch after run start',
        ms: firstFetchMs,
        vs: '',
        ref: '',
        ratio: '',
        goal: 'a few ms',
      },
      { measure: 'cpu-only (process, 2 workers)', ms: cpuOnly.ms, vs: '', ref: '', ratio: '', goal: '' },
      {
        measure: 'pipelined wordcount (whole call, with start-up)',
        ms: piped.ms,
        vs: 'max(fetch, cpu)',
        ref: bound,
        ratio: (piped.ms / bound).toFixed(2),
        goal: '≤ 1.10',
      },
      {
        measure: 'pipelined wordcount (run wall, from t0)',
        ms: piped.value.stats.wallMs,
        vs: 'max(fetch, cpu)',
        ref: bound,
        ratio: (piped.value.stats.wallMs / bound).toFixed(2),
        goal: '',
      },
      {
        measure: `core time of the pipelined run ÷ ${availableParallelism()} cores (main+fetch ${coreTime.mainAndFetchThreadsMs}, workers ${coreTime.cpuWorkersMs}, server ${coreTime.docsServerMs})`,
        ms: piped.ms,
        vs: 'core floor',
        ref: coreBoundMs,
        ratio: (piped.ms / coreBoundMs).toFixed(2),
        goal: '',
      },
    ];
    printTable(`fetch-overlap: ${DOCS} docs × ${WORDS_PER_DOC} words, ${LATENCY_MS} ms latency`, rows);
    await writeResult('fetch-overlap', {
      docs: DOCS,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      wordsPerDoc: WORDS_PER_DOC,
      idealMs: IDEAL_MS,
      fetchThreadsMs: threadMs,
      fetchThreadsCpu: fetchCore,
      baselineMs: base.ms,
      busyMainThread: { sliceMs: BUSY_SLICE_MS, baselineMs: busyBase.ms, fetchThreadsMs: busyThreadMs },
      fetchOnlyMs: fetchOnly.ms,
      cpuOnlyMs: cpuOnly.ms,
      pipelinedMs: piped.ms,
      pipelinedStats: { wallMs: piped.value.stats.wallMs, batches: piped.value.stats.batches, firstFetchMs },
      pipelinedCoreTime: { ...coreTime, cores: availableParallelism(), floorMs: coreBoundMs },
      rows,
    });
  } finally {
    server.stop();
  }
}
