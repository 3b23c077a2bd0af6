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
import { advise, type StageMeasure } from './advice.js';
import { costOfRun, type RunCost } from './cost.js';
import { type LambdaPricing, resolveLambdaPricing } from './lambda-pricing.js';

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

/**
 * CPU and busy time per stage over every successful attempt, from measured figures only: an item whose CPU nobody
 * reported is counted in `unmeasured`, not as 0 ms, and its time stays out of `busyMs` so the ratio is not diluted.
 *
 * Busy time is per worker, with overlapping items counted once: a fetch thread with 64 requests in flight for 1 s was
 * busy 1 s, not 64 s (its CPU is the thread's, so 64 s would make a saturated thread look idle). Each item spans
 * `durationMs` (the far side's own map time) when reported, else end − start, ending where its record ends. Time a
 * worker spent waiting for a core (`waitMs`, the fetch threads' run-queue delay) is not its own busy time: on a loaded
 * machine it would make a computing thread look like it waits on I/O.
 */
export function stageMeasures(stats: RunStats | undefined): StageMeasure[] {
  const by = new Map<string, StageMeasure>();
  const spans = new Map<string, Map<string, { intervals: [number, number][]; waitMs: number }>>();
  for (const r of stats?.records ?? []) {
    if (r.status !== 'ok') continue;
    const m = by.get(r.stage) ?? { stage: r.stage, cpuMs: 0, busyMs: 0, items: 0, unmeasured: 0 };
    by.set(r.stage, m);
    m.items++;
    if (r.cpuMs === undefined) {
      m.unmeasured = (m.unmeasured ?? 0) + 1;
      continue;
    }
    m.cpuMs += r.cpuMs;
    const workers = spans.get(r.stage) ?? new Map();
    spans.set(r.stage, workers);
    const w = workers.get(r.workerId) ?? { intervals: [], waitMs: 0 };
    workers.set(r.workerId, w);
    w.intervals.push([r.endMs - (r.durationMs ?? r.endMs - r.startMs), r.endMs]);
    w.waitMs += r.waitMs ?? 0;
  }
  for (const [stage, workers] of spans) {
    const m = by.get(stage) as StageMeasure;
    let cpuMs = 0;
    for (const r of stats?.records ?? []) if (r.stage === stage && r.status === 'ok') cpuMs += r.cpuMs ?? 0;
    for (const w of workers.values()) m.busyMs += unionMs(w.intervals) - w.waitMs;
    // never less than the CPU it did: the clocks are read at slightly different moments
    m.busyMs = Math.max(m.busyMs, cpuMs);
  }
  // the earlier pipeline stage first (fetch before cpu)
  return [...by.values()].sort((a, b) => (a.stage === 'cpu' ? 1 : 0) - (b.stage === 'cpu' ? 1 : 0));
}

/** Length of the union of [start, end] intervals. */
function unionMs(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const [s, e] of sorted) {
    if (s > to) {
      if (to > from) total += to - from;
      from = s;
      to = e;
    } else if (e > to) to = e;
  }
  if (to > from) total += to - from;
  return total;
}

/** One-off cold-start cost of a side: mean cold batch time minus mean warm batch time (0 when not measurable). */
export function coldStartOverheadMs(stats: RunStats, side: string): number {
  const recs = stats.records.filter((r) => r.stage === 'cpu' && r.side === side && r.status === 'ok');
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const cold = recs.filter((r) => r.coldStart).map((r) => r.endMs - r.startMs);
  const warm = recs.filter((r) => !r.coldStart).map((r) => r.endMs - r.startMs);
  return cold.length > 0 && warm.length > 0 ? Math.max(0, mean(cold) - mean(warm)) : 0;
}
