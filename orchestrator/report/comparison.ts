import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, BackendName } from '../backends/backend.js';
import { clipText } from '../clip-text.js';
import { FanoutError } from '../errors.js';
import { type FanoutResult, fanout, resolveTask } from '../fanout.js';
import { checkNonNegativeInt, checkPositiveInt, type FanoutOptions, type LambdaOptions } from '../options.js';
import { findServiceRoot } from '../project/service-dir.js';
import type { RunStats } from '../stats.js';
import type { AnyTask } from '../tasks/task.js';
import { advise } from './advice.js';
import { costOfRun, type RunCost } from './cost.js';
import { type LambdaPricing, resolveLambdaPricing } from './lambda-pricing.js';
import { coldStartOverheadMs, stageMeasures } from './stage-measures.js';

/** One backend's line of the comparison (median of its runs). */
export interface ComparisonRow {
  backend: string;
  /** Median wall time over the runs (the lower middle one for an even count), ms. */
  wallMs: number;
  /** Wall time of every timed run, in run order (warm-ups left out). */
  runsWallMs: number[];
  /** Baseline wall / this wall. */
  speedup: number;
  /** CPU time of the median run, summed over workers, ms. */
  cpuMs: number;
  /** CPU time / wall time: ~1 per busy core. */
  cpuPerWall: number;
  /** Successful attempts of the median run whose CPU was not reported: cpuMs leaves them out (0: all measured). */
  cpuUnmeasured: number;
  /** Merged batches per side (`process`, `lambda`, `thread`, …). */
  batchesBySide: Record<string, number>;
  retries: number;
  /** Partials dropped as duplicates (speculation, lost replies). */
  duplicates: number;
  cost: RunCost;
  result: unknown;
  /** Full stats of the median run (records feed the timeline). */
  stats: RunStats;
}

/** Everything `fanout compare` prints, renders and serialises. */
export interface Comparison {
  task: string;
  input: unknown;
  /** Backend the speedups are relative to: inline when it ran, else the first. */
  baseline: string;
  runs: number;
  /** Untimed warm-up runs per backend before the timed ones. */
  warmups: number;
  /** Backend order of each timed run: rotated by one per run, so no backend always goes first. */
  order: string[][];
  rows: ComparisonRow[];
  advice: string[];
  /** Caveats: emulated durations, pricing source. */
  notes: string[];
  pricing: LambdaPricing;
}

/** Options of {@link runComparison}. */
export interface CompareOptions {
  task: AnyTask | string;
  input: unknown;
  /** Backends by name, or instances (started and stopped around each run), in table order. */
  backends: readonly (BackendName | Backend)[];
  /** Timed repetitions per backend; the median is reported. @default 1 */
  runs?: number;
  /**
   * Untimed runs per backend before any timed one (results still checked): the first run of a process pays for
   * loading and compiling the task and the engine, the OS file cache, a cold emulator, and would charge it to whichever
   * backend happens to go first. @default 1
   */
  warmups?: number;
  /** Run options shared by every backend (workers, batch size, retries, Lambda settings, …). */
  options?: Omit<FanoutOptions, 'backend'>;
  /** USD per hour of the local machine, to price local runs. */
  localPricePerHour?: number;
  /** True when Lambda runs on the emulator (the report says its durations stand in for real ones). */
  emulated?: boolean;
  /** Called after each run, for progress output (`warmup` true for the untimed ones). */
  onRun?(backend: string, run: number, wallMs: number, warmup?: boolean): void;
}

/** JSON with object keys sorted, so equal results compare equal whatever order their keys were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * Runs the same input on each backend `runs` times and compares: every run must produce the identical result (else an
 * EMISMATCH error naming both backends and results), then wall (median), speedup, CPU, batches per side, retries, cost
 * and advice per row.
 *
 * Fairness: every backend first does `warmups` untimed runs; then run r goes through the backends rotated by r (run 1
 * in the given order, run 2 starting from the second, …), so with `runs` ≥ the number of backends each one goes first
 * once. Each run is its own `fanout()` call with its own run id, so a server keyed on it (the docs server's fault
 * plan) gives every backend the same faults however they are ordered.
 */
export async function runComparison(opts: CompareOptions): Promise<Comparison> {
  const runs = checkPositiveInt('runs', opts.runs ?? 1);
  const warmups = checkNonNegativeInt('warmups', opts.warmups ?? 1);
  if (opts.backends.length === 0) throw new FanoutError('EINPUT', 'Expected at least one backend to compare, got none');
  const lambda: LambdaOptions = opts.options?.lambda ?? {};
  const pricing = resolveLambdaPricing(lambda, serverlessYml());
  let reference: { backend: string; json: string } | undefined;
  const resolved = await resolveTask(opts.task);
  const taskName = resolved.task.name;
  const nameOf = (b: BackendName | Backend): string => (typeof b === 'string' ? b : b.name);

  const runOnce = async (b: BackendName | Backend, label: string, warmup = false): Promise<FanoutResult> => {
    if (typeof b !== 'string') await b.start({ task: resolved.ref });
    // a warm-up is not part of the comparison: its attempts stay out of traces and record logs
    const { onRecord: _untimed, ...untimedOptions } = opts.options ?? {};
    const options = warmup ? untimedOptions : opts.options;
    const out = await fanout(opts.task, opts.input, { ...options, backend: b }).finally(() =>
      typeof b === 'string' ? undefined : b.stop(),
    );
    const json = canonicalJson(out.result);
    if (!reference) reference = { backend: nameOf(b), json };
    else if (json !== reference.json) {
      throw new FanoutError(
        'EMISMATCH',
        `RESULTS DIFFER: backend \`${nameOf(b)}\` (${label}) returned ${clipText(json, 160)}, but \`${reference.backend}\` returned ${clipText(reference.json, 160)}`,
        { retryable: false },
      );
    }
    return out;
  };

  for (let w = 1; w <= warmups; w++) {
    for (const b of opts.backends) {
      const { stats } = await runOnce(b, `warm-up run ${w}`, true);
      opts.onRun?.(nameOf(b), w, stats.wallMs, true);
    }
  }
  const timed = opts.backends.map(() => [] as { wallMs: number; stats: RunStats; result: unknown }[]);
  const order: string[][] = [];
  for (let run = 1; run <= runs; run++) {
    const turn = opts.backends.map((_, k) => (k + run - 1) % opts.backends.length);
    order.push(turn.map((i) => nameOf(opts.backends[i] as BackendName | Backend)));
    for (const i of turn) {
      const b = opts.backends[i] as BackendName | Backend;
      const { result, stats } = await runOnce(b, `run ${run}`);
      timed[i]?.push({ wallMs: stats.wallMs, stats, result });
      opts.onRun?.(nameOf(b), run, stats.wallMs);
    }
  }

  const rows: ComparisonRow[] = opts.backends.map((b, i) => {
    const results = timed[i] ?? [];
    const median = [...results].sort((x, y) => x.wallMs - y.wallMs)[
      Math.floor((results.length - 1) / 2)
    ] as (typeof results)[0];
    const { stats } = median;
    return {
      backend: nameOf(b),
      wallMs: median.wallMs,
      runsWallMs: results.map((r) => r.wallMs),
      speedup: 1,
      cpuMs: stats.cpuMs,
      cpuPerWall: stats.wallMs > 0 ? stats.cpuMs / stats.wallMs : 0,
      cpuUnmeasured: stats.cpuUnmeasured ?? 0,
      batchesBySide: Object.fromEntries(Object.entries(stats.byBackend).map(([side, t]) => [side, t.batches])),
      retries: stats.retries,
      duplicates: stats.duplicates,
      cost: costOfRun(stats, {
        pricing,
        ...(opts.localPricePerHour !== undefined ? { localPricePerHour: opts.localPricePerHour } : {}),
        emulated: opts.emulated ?? false,
      }),
      result: median.result,
      stats,
    };
  });
  const baseline = rows.find((r) => r.backend === 'inline') ?? (rows[0] as ComparisonRow);
  for (const r of rows) r.speedup = r.wallMs > 0 ? baseline.wallMs / r.wallMs : 0;
  const notes = [...new Set(rows.flatMap((r) => r.cost.notes))];
  notes.push(fairnessNote(warmups, order));
  for (const r of rows) {
    if (r.stats.recordsDropped) {
      notes.push(
        `${r.backend}: the timeline shows the first ${r.stats.records.length.toLocaleString('en')} records; ${r.stats.recordsDropped.toLocaleString('en')} more are counted in the totals only.`,
      );
    }
  }
  return {
    task: taskName,
    input: opts.input,
    baseline: baseline.backend,
    runs,
    warmups,
    order,
    rows,
    advice: adviceFor(rows, opts.emulated ?? false),
    notes,
    pricing,
  };
}

/** How the runs were made fair: the warm-ups, and the rotated order when there was more than one run. */
function fairnessNote(warmups: number, order: readonly string[][]): string {
  const warm =
    warmups > 0
      ? `each backend did ${warmups} untimed warm-up run${warmups > 1 ? 's' : ''} first`
      : 'no warm-up runs (--warmup 0)';
  if (order.length < 2) return `Timing: ${warm}.`;
  const shown = order.slice(0, 3).map((o, i) => `run ${i + 1}: ${o.join(', ')}`);
  if (order.length > 3) shown.push('…');
  return `Timing: ${warm}; the order rotated across runs (${shown.join('; ')}).`;
}

/** serverless.yml of the current directory's project, if any, else fanout's own. */
function serverlessYml(): string {
  const here = join(process.cwd(), 'serverless.yml');
  if (existsSync(here)) return here;
  const service = join(findServiceRoot(), 'serverless.yml');
  return existsSync(service) ? service : here; // none anywhere: the pricing defaults apply
}

/**
 * Stage ratios from the run with the most exact CPU accounting, and the local vs Lambda break-even. Busy time is the
 * far side's own map time when known (not the caller's view, which adds IPC, network and queueing).
 */
function adviceFor(rows: readonly ComparisonRow[], emulated: boolean): string[] {
  const byName = (n: string): ComparisonRow | undefined => rows.find((r) => r.backend === n);
  // Child processes measure CPU exactly; the emulator's figures are process-wide and its batches queue for the cores.
  const exact = byName('process') ?? byName('thread') ?? byName('inline') ?? rows[0];
  const stages = stageMeasures(exact?.stats);
  const local = [byName('process'), byName('thread')]
    .filter((r): r is ComparisonRow => r !== undefined)
    .sort((a, b) => a.wallMs - b.wallMs)[0];
  const lambdaRow = byName('lambda');
  if (!local || !lambdaRow || lambdaRow.stats.batches === 0) return advise({ stages, emulated });
  // Backends split the same input into different batch counts, so compare whole-run throughput, counted in batches
  // of the Lambda run's size: local wall(n) = n·wall/N, Lambda wall(n) = startup + n·(wall − startup)/N.
  const n = lambdaRow.stats.batches;
  const startupMs = coldStartOverheadMs(lambdaRow.stats, 'lambda');
  return advise({
    stages,
    local: { slots: 1, meanBatchMs: local.wallMs / n },
    lambda: { slots: 1, meanBatchMs: Math.max(0, lambdaRow.wallMs - startupMs) / n, startupMs },
    emulated,
  });
}
