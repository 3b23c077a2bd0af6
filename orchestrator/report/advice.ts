import { count } from '../plural.js';
/** How a stage spends its time. */
export type StageKind = 'cpu-bound' | 'io-bound' | 'mixed';

/** At or above this CPU/busy ratio a stage is CPU-bound: it needs a core per batch in flight. */
export const CPU_BOUND_RATIO = 0.6;
/** At or below this ratio a stage is I/O-bound: it mostly waits, so many items overlap on one core. */
export const IO_BOUND_RATIO = 0.25;

/** Measured totals of one pipeline stage (from `RunStats.stages`). */
export interface StageMeasure {
  stage: string;
  /** CPU time of the workers over all items, ms. */
  cpuMs: number;
  /** Sum of item durations (end − start) over all items, ms. */
  busyMs: number;
  items: number;
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

/** One plain sentence for a stage: `cpu stage: CPU-bound (CPU 97% of busy time) → processes or Lambda …`. */
export function stageAdvice(m: StageMeasure): string {
  const c = classifyStage(m.cpuMs, m.busyMs);
  if (!c) return `${m.stage} stage: no CPU time was measured, so its kind is unknown.`;
  const label = c.kind === 'cpu-bound' ? 'CPU-bound' : c.kind === 'io-bound' ? 'I/O-bound' : 'mixed CPU and I/O';
  return `${m.stage} stage: ${label} (CPU ${Math.round(c.ratio * 100)}% of busy time over ${m.items} item(s)) → ${FITS[c.kind]}.`;
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
