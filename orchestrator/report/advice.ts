import { count } from '../plural.js';
/** How a stage spends its time. */
export type StageKind = 'cpu-bound' | 'io-bound' | 'mixed';

/** At or above this CPU/busy ratio a stage is CPU-bound: it needs a core per batch in flight. */
export const CPU_BOUND_RATIO = 0.6;
/** At or below this ratio a stage is I/O-bound: it mostly waits, so many items overlap on one core. */
export const IO_BOUND_RATIO = 0.25;

/** Measured totals of one pipeline stage (from the run's records). */
export interface StageMeasure {
  stage: string;
  /** CPU time of the workers over the items whose CPU was measured, ms. */
  cpuMs: number;
  /** Time the workers had those items in hand, ms (per worker, overlapping items counted once). */
  busyMs: number;
  /** Items of the stage, measured or not. */
  items: number;
  /** Items whose CPU time nobody reported: they are left out of cpuMs and busyMs, never counted as 0 ms. @default 0 */
  unmeasured?: number;
}

/** Classifies a stage by CPU time over busy time. Returns undefined when nothing was measured. */
export function classifyStage(cpuMs: number, busyMs: number): { kind: StageKind; ratio: number } | undefined {
  if (!(busyMs > 0) || !(cpuMs >= 0)) return undefined;
  const ratio = Math.min(1, cpuMs / busyMs);
  const kind: StageKind = ratio >= CPU_BOUND_RATIO ? 'cpu-bound' : ratio <= IO_BOUND_RATIO ? 'io-bound' : 'mixed';
  return { kind, ratio };
}

const FITS: Record<StageKind, string> = {
  'cpu-bound': 'processes or Lambda (one batch per core; threads also work when the code is pure JS)',
  'io-bound': 'worker threads or async I/O (many items overlap on one core; processes and Lambda add cost, not speed)',
  mixed: 'threads or processes sized to the cores, with more batches in flight than cores',
};

/** The fetch stage runs in fanout's own fetch threads, so its advice names their knobs, not a backend. */
const FETCH_FITS: Record<StageKind, string> = {
  'cpu-bound':
    'the fetch threads are busy computing (decompression, large bodies), not waiting: more --fetch-threads, up to the free cores, speed it up; more concurrency does not',
  'io-bound':
    'the fetch threads mostly wait on the network: more --fetch-concurrency overlaps more requests per thread; more threads add little',
  mixed:
    'the fetch threads both wait and compute: raise --fetch-concurrency first, then --fetch-threads up to the cores',
};

/**
 * One plain sentence for a stage: `cpu stage: CPU-bound (CPU 97% of busy time over 16 item(s)) → processes or Lambda …`.
 * Only measured figures go into it: items whose CPU nobody reported are named as such, and a stage with none measured
 * gets no kind at all (never "0 % CPU").
 */
export function stageAdvice(m: StageMeasure): string {
  const unmeasured = m.unmeasured ?? 0;
  if (unmeasured >= m.items) {
    return `${m.stage} stage: CPU n/a (not measured for any of its ${m.items} item(s)), so its kind is unknown.`;
  }
  const c = classifyStage(m.cpuMs, m.busyMs);
  if (!c) return `${m.stage} stage: no busy time was measured, so its kind is unknown.`;
  const label = c.kind === 'cpu-bound' ? 'CPU-bound' : c.kind === 'io-bound' ? 'I/O-bound' : 'mixed CPU and I/O';
  const over =
    unmeasured > 0
      ? `over the ${m.items - unmeasured} of ${m.items} item(s) whose CPU was measured`
      : `over ${m.items} item(s)`;
  const fits = m.stage === 'fetch' ? FETCH_FITS[c.kind] : FITS[c.kind];
  return `${m.stage} stage: ${label} (CPU ${Math.round(c.ratio * 100)}% of busy time ${over}) → ${fits}.`;
}

/** Measured speed of one side: parallel slots, mean batch time, and one-off start-up cost (cold starts). */
export interface SideSpeed {
  slots: number;
  meanBatchMs: number;
  /** Extra wall time paid once per run (e.g. the slowest cold start). @default 0 */
  startupMs?: number;
}

/**
 * Batches from which the Lambda side finishes sooner than the local side, with wall(n) = startup + n · mean / slots.
 * 0 when Lambda is faster from the first batch; undefined when Lambda's throughput is not higher (no break-even).
 */
export function lambdaBreakEven(local: SideSpeed, lambda: SideSpeed): number | undefined {
  const perBatchLocal = local.meanBatchMs / local.slots;
  const perBatchLambda = lambda.meanBatchMs / lambda.slots;
  const startupGap = (lambda.startupMs ?? 0) - (local.startupMs ?? 0);
  if (!(perBatchLocal > perBatchLambda)) return undefined;
  if (startupGap <= 0) return 0;
  return Math.ceil(startupGap / (perBatchLocal - perBatchLambda));
}

/** Input of {@link advise}. */
export interface AdviceInput {
  stages: readonly StageMeasure[];
  /** Speed of the best local CPU backend, when it ran. */
  local?: SideSpeed;
  /** Speed of the Lambda backend, when it ran. */
  lambda?: SideSpeed;
  /** True when Lambda ran on the emulator (on the same cores as the local side). */
  emulated?: boolean;
}

/** One or two plain sentences per stage, then the Lambda vs local break-even when both were measured. */
export function advise(input: AdviceInput): string[] {
  const out = input.stages.map(stageAdvice);
  if (input.local && input.lambda) {
    const n = lambdaBreakEven(input.local, input.lambda);
    const where = input.emulated ? ' (measured on the emulator, which shares the local cores)' : '';
    if (n === undefined)
      out.push(`Lambda does not beat local at any run size here${where}: its throughput per batch is lower.`);
    else if (n === 0) out.push(`Lambda beats local from the first batch${where}.`);
    else out.push(`Lambda beats local once the run exceeds ~${count(n, 'batch', 'batches')}${where}.`);
  }
  return out;
}
