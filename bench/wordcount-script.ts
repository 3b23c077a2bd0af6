/**
 * `fanout run wordcount` against the script a user would write instead (bench/peers/plain-wordcount.ts: undici +
 * p-limit at 64, the same word rule, the same answer), whole processes, over 500 documents served with 50 ms latency
 * by a docs server in its own process. Interleaved rounds, medians; the goal compares fanout's best backend with the
 * script (≤ 1.0×). The CPU each process and the docs server spent is recorded: with 2 cores, their sum ÷ 2 is a floor
 * under any wall time. Writes bench/results/wordcount-script.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateDocs } from '../orchestrator/docs-server/demo-docs.js';
import { median, printTable, repoRoot, writeResult } from './bench-results.js';
import { processCpuMs, serveDocs } from './fetch-overlap.js';
import { goalRow } from './goals.js';
import { listUrls } from './peers/peer-fetch.js';

const DOCS = 500;
const WORDS_PER_DOC = 2800;
const LATENCY_MS = 50;
const ROUNDS = 5;
const BIN = join(repoRoot, 'bin', 'fanout.js');
const SCRIPT = join(repoRoot, 'dist', 'bench', 'peers', 'plain-wordcount.js');

interface Case {
  name: string;
  args: (list: string) => string[];
  /** The wordcount result in the process's JSON output. */
  answer: (out: unknown) => unknown;
}

const fanoutCase = (backend: string): Case => ({
  name: `fanout run wordcount --backend ${backend}`,
  args: (list) => [BIN, 'run', 'wordcount', '--urls', list, '--backend', backend, '--json'],
  answer: (out) => (out as { result: unknown }).result,
});

const CASES: Case[] = [
  { name: 'plain script (undici + p-limit at 64)', args: (list) => [SCRIPT, list], answer: (out) => out },
  fanoutCase('inline'),
  fanoutCase('thread'),
  fanoutCase('process'),
];

interface Run {
  wallMs: number;
  /** CPU of the process and its children (user + system), ms. */
  cpuMs: number;
  docsServerMs: number;
  answer: string;
}

/** CPU (user + system) of this process's children that have exited and been waited for, ms (cutime, cstime). */
function childrenCpuMs(): number {
  return processCpuMs(process.pid, true);
}

function runOnce(c: Case, list: string, serverPid: number | undefined): Promise<Run> {
  const server0 = processCpuMs(serverPid);
  const children0 = childrenCpuMs();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      c.args(list),
      { maxBuffer: 64 << 20, env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' } },
      (err, stdout) => {
        const wallMs = performance.now() - t0;
        if (err) return reject(new Error(`${c.name}: ${err.message}`));
        resolve({
          wallMs,
          cpuMs: childrenCpuMs() - children0,
          docsServerMs: processCpuMs(serverPid) - server0,
          answer: JSON.stringify(c.answer(JSON.parse(stdout))),
        });
      },
    );
  });
}

/** Runs the suite, prints the table and writes bench/results/wordcount-script.json. */
export async function run(): Promise<unknown> {
  const load = loadavg()[0] as number;
  const dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-bench-script-')), DOCS, WORDS_PER_DOC);
  const server = await serveDocs(dir, LATENCY_MS);
  try {
    const list = join(dir, '..', `${dir.split('/').pop()}-urls.txt`);
    writeFileSync(list, `${(await listUrls(server.indexUrl)).join('\n')}\n`);
    for (const c of CASES) await runOnce(c, list, server.pid); // warm-up: the OS file cache and the server's JIT
    const runs = CASES.map(() => [] as Run[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < CASES.length; k++) {
        const i = (k + r) % CASES.length;
        runs[i]?.push(await runOnce(CASES[i] as Case, list, server.pid));
      }
    }
    const answers = new Set(runs.flat().map((x) => x.answer));
    if (answers.size !== 1) throw new Error(`the contenders disagree: ${[...answers].join(' / ')}`);
    const med = (i: number, f: (x: Run) => number): number => Math.round(median((runs[i] ?? []).map(f)));
    const scriptMs = med(0, (x) => x.wallMs);
    const rows = CASES.map((c, i) => ({
      command: c.name,
      'median ms': med(i, (x) => x.wallMs),
      'min–max ms': `${Math.round(Math.min(...(runs[i] ?? []).map((x) => x.wallMs)))}–${Math.round(Math.max(...(runs[i] ?? []).map((x) => x.wallMs)))}`,
      'vs script': `${(med(i, (x) => x.wallMs) / scriptMs).toFixed(2)}×`,
      'CPU ms (process)': med(i, (x) => x.cpuMs),
      'CPU ms (docs server)': med(i, (x) => x.docsServerMs),
      [`core floor ms (÷ ${availableParallelism()})`]: Math.round(
        (med(i, (x) => x.cpuMs) + med(i, (x) => x.docsServerMs)) / availableParallelism(),
      ),
    }));
    const fanoutRows = rows.slice(1);
    const best = fanoutRows.reduce((a, b) => (b['median ms'] < a['median ms'] ? b : a));
    const ratio = best['median ms'] / scriptMs;
    printTable(
      `wordcount-script: ${DOCS} docs × ${WORDS_PER_DOC} words at ${LATENCY_MS} ms, whole processes, median of ${ROUNDS} interleaved rounds (load average ${load.toFixed(2)} at the start); best: ${best.command}`,
      rows,
    );
    return writeResult('wordcount-script', {
      docs: DOCS,
      wordsPerDoc: WORDS_PER_DOC,
      latencyMs: LATENCY_MS,
      rounds: ROUNDS,
      loadAverageAtStart: load,
      answer: JSON.parse([...answers][0] as string),
      runs: Object.fromEntries(CASES.map((c, i) => [c.name, runs[i]?.map(({ answer: _, ...r }) => r)])),
      rows,
      best: best.command,
      goals: [
        goalRow('`fanout run wordcount` (best backend) vs the 15-line undici + p-limit script, whole process', ratio, {
          atMost: 1,
        }),
      ],
    });
  } finally {
    server.stop();
  }
}
