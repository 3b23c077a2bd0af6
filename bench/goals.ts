/**
 * The goals table of one `npm run bench`: every suite that ran in this process lists its goal rows in its result file
 * (`goals: [{ measure, measured, goal, met }]`); this prints them together with the machine and its load, and writes
 * bench/results/summary.json. Rows come only from files written during this run, never from an older one.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { printTable, repoRoot, writeResult } from './bench-results.js';

/** One row of the goals table, as a suite measured it. */
export interface GoalRow {
  measure: string;
  measured: number;
  /** The target as written, e.g. `≤ 1.05×`. */
  goal: string;
  met: boolean;
}

/** A goal row for a ratio that must stay at or under `max` (`atMost`) or at or over `min` (`atLeast`). */
export function goalRow(measure: string, measured: number, target: { atMost: number } | { atLeast: number }): GoalRow {
  const rounded = Math.round(measured * 1000) / 1000;
  return 'atMost' in target
    ? { measure, measured: rounded, goal: `≤ ${target.atMost}×`, met: measured <= target.atMost }
    : { measure, measured: rounded, goal: `≥ ${target.atLeast}×`, met: measured >= target.atLeast };
}

interface SuiteFile {
  date?: string;
  goals?: GoalRow[];
}

/** Reads the goal rows the named suites wrote since `since`; a suite with no fresh file is reported as missing. */
export function collectGoals(
  suites: string[],
  since: Date,
  dir = join(repoRoot, 'bench', 'results'),
): { suite: string; rows: GoalRow[] | undefined }[] {
  return suites.map((suite) => {
    let file: SuiteFile;
    try {
      file = JSON.parse(readFileSync(join(dir, `${suite}.json`), 'utf8')) as SuiteFile;
    } catch {
      return { suite, rows: undefined };
    }
    const fresh = file.date !== undefined && new Date(file.date).getTime() >= since.getTime();
    return { suite, rows: fresh ? (file.goals ?? []) : undefined };
  });
}

/** Prints the goals table of this run and writes bench/results/summary.json. */
export async function summarise(suites: string[], startedAt: Date, loadAtStart: number): Promise<void> {
  const collected = collectGoals(suites, startedAt);
  const rows = collected.flatMap(({ suite, rows }) =>
    (rows ?? []).map((r) => ({
      suite,
      measure: r.measure,
      measured: `${r.measured}×`,
      goal: r.goal,
      met: r.met ? 'met' : 'MISSED',
    })),
  );
  const failed = collected.filter((c) => c.rows === undefined).map((c) => c.suite);
  const loadAtEnd = loadavg()[0] as number;
  const cpu = cpus();
  console.log(
    `\n=== goals (one run, ${startedAt.toISOString()} → ${new Date().toISOString()}) ===\n` +
      `machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `1-min load average ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end`,
  );
  printTable('goal rows', rows);
  if (failed.length > 0) console.log(`\nno result written in this run by: ${failed.join(', ')}`);
  await writeResult('summary', {
    startedAt: startedAt.toISOString(),
    loadAverage1m: { start: loadAtStart, end: loadAtEnd },
    suites,
    missingSuites: failed,
    goals: collected.flatMap(({ suite, rows }) => (rows ?? []).map((r) => ({ suite, ...r }))),
  });
}
