import type { RunStats } from '../stats.js';
import { LAMBDA_PRICES, type LambdaArchitecture, type LambdaPricing } from './lambda-pricing.js';

/** Estimated Lambda bill of a run. */
export interface LambdaCost {
  /** Invocations, one per attempt sent to Lambda (failed and duplicate attempts are billed too). */
  requests: number;
  /** Sum of per-invocation durations, each rounded up to 1 ms. */
  billedMs: number;
  gbSeconds: number;
  requestUsd: number;
  computeUsd: number;
  totalUsd: number;
  memoryMb: number;
  architecture: LambdaArchitecture;
}

/** Local resources of a run: CPU-seconds, and USD when a machine price was given. */
export interface LocalCost {
  cpuSeconds: number;
  /** Wall time × `--local-price-per-hour`: the machine is held for the whole run. */
  usd?: number;
}

/** Cost estimate of one run, local and Lambda parts. */
export interface RunCost {
  local: LocalCost;
  lambda?: LambdaCost;
  /** Sum of the USD parts that are known (Lambda, plus local when priced). */
  totalUsd: number;
  /** Caveats the report must print next to the figures. */
  notes: string[];
}

/**
 * Lambda cost: requests × $0.20/1M + GB-seconds × the architecture's price, each invocation billed in whole
 * milliseconds (rounded up, at least 1 ms).
 */
export function lambdaCost(durationsMs: readonly number[], pricing: Omit<LambdaPricing, 'source'>): LambdaCost {
  let billedMs = 0;
  for (const d of durationsMs) billedMs += Math.max(1, Math.ceil(d));
  return lambdaCostOfTotals(durationsMs.length, billedMs, pricing);
}

/** Lambda cost from totals: `requests` invocations billed `billedMs` whole milliseconds in all. */
export function lambdaCostOfTotals(
  requests: number,
  billedMs: number,
  pricing: Omit<LambdaPricing, 'source'>,
): LambdaCost {
  const gbSeconds = (billedMs / 1000) * (pricing.memoryMb / 1024);
  const requestUsd = requests * LAMBDA_PRICES.requestUsd;
  const computeUsd = gbSeconds * LAMBDA_PRICES.gbSecondUsd[pricing.architecture];
  return {
    requests,
    billedMs,
    gbSeconds,
    requestUsd,
    computeUsd,
    totalUsd: requestUsd + computeUsd,
    memoryMb: pricing.memoryMb,
    architecture: pricing.architecture,
  };
}

/** Local cost: CPU-seconds, plus wall hours × price when `pricePerHour` is given. */
export function localCost(cpuMs: number, wallMs: number, pricePerHour?: number): LocalCost {
  const out: LocalCost = { cpuSeconds: cpuMs / 1000 };
  if (pricePerHour !== undefined) out.usd = (wallMs / 3_600_000) * pricePerHour;
  return out;
}

/** Options of {@link costOfRun}. */
export interface CostOptions {
  pricing: LambdaPricing;
  /** USD per hour of the local machine; omitted → local cost in CPU-seconds only. */
  localPricePerHour?: number;
  /** True when the Lambda side ran on the emulator: its durations stand in for real ones. */
  emulated?: boolean;
}

/**
 * Prices one run from its records: attempts on the `lambda` side are invocations (their far-side duration when known,
 * else the caller-observed time); everything else is local CPU.
 */
export function costOfRun(stats: RunStats, opts: CostOptions): RunCost {
  const durations: number[] = [];
  let localCpuMs = 0;
  for (const r of stats.records) {
    if (r.side === 'lambda' && r.stage === 'cpu') durations.push(r.durationMs ?? r.endMs - r.startMs);
    else localCpuMs += r.cpuMs ?? 0;
  }
  // the records are capped on huge runs: price the exact totals when the stats have them
  const b = stats.billing;
  const local = localCost(b ? b.localCpuMs : localCpuMs, stats.wallMs, opts.localPricePerHour);
  const notes: string[] = [];
  let lambda: LambdaCost | undefined;
  if (b ? b.lambdaRequests > 0 : durations.length > 0) {
    lambda = b
      ? lambdaCostOfTotals(b.lambdaRequests, b.lambdaBilledMs, opts.pricing)
      : lambdaCost(durations, opts.pricing);
    notes.push(
      `Lambda priced at ${opts.pricing.memoryMb} MB ${opts.pricing.architecture} (from ${opts.pricing.source}), us-east-1 prices.`,
    );
    if (opts.emulated) {
      notes.push('Lambda durations were measured on the local emulator; they stand in for real ones.');
      notes.push(
        "The emulator runs every instance as a thread of one process on the local cores: Lambda CPU times are those threads' own CPU time, and its wall times compete with the local backends for the same cores.",
      );
    }
  }
  return { local, ...(lambda ? { lambda } : {}), totalUsd: (lambda?.totalUsd ?? 0) + (local.usd ?? 0), notes };
}

/** Formats a USD amount with enough digits to show sub-cent Lambda bills (`$0.000042`). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  // two significant digits, written out in full: `$0.0000042`, not `$4.2e-6`
  const digits = Math.min(12, 1 - Math.floor(Math.log10(usd)));
  return `$${usd.toFixed(digits)}`;
}
