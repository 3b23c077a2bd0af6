/**
 * Memory of a long URL list (goal: 100,000 URLs in ≤ 150 MB RSS growth): bench/memory-child.ts in a fresh
 * process, twice, keeping the larger growth. Writes bench/results/memory.json.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { printTable, repoRoot, writeResult } from './bench-results.js';

const URLS = 100_000;
const RUNS = 2;

interface ChildResult {
  urls: number;
  wallMs: number;
  fetched: number;
  rssGrowthMb: number;
  atPeak: { rssMb: number; heapTotalMb: number; heapUsedMb: number };
  baseRssMb: number;
}

/** Runs the suite, prints the table and writes bench/results/memory.json. */
export async function run(): Promise<unknown> {
  const child = join(repoRoot, 'dist', 'bench', 'memory-child.js');
  const runs: ChildResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, String(URLS)], {
      maxBuffer: 1 << 20,
    });
    runs.push(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildResult);
  }
  const worst = Math.max(...runs.map((r) => r.rssGrowthMb));
  printTable(
    `memory: ${URLS} URLs through wordcount (inline backend, fetch threads), peak RSS growth per fresh process`,
    runs.map((r, i) => ({
      run: i + 1,
      'wall ms': r.wallMs,
      fetched: r.fetched,
      'RSS growth MB': r.rssGrowthMb,
      'heapTotal at peak MB': r.atPeak.heapTotalMb,
      'heapUsed at peak MB': r.atPeak.heapUsedMb,
      goal: '≤ 150',
    })),
  );
  return writeResult('memory', { urls: URLS, runs, worstRssGrowthMb: worst, goalMb: 150, met: worst <= 150 });
}
