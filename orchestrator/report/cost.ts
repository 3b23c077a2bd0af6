import { count } from '../plural.js';
import type { RunStats } from '../stats.js';
import {
  billedInvocationMs,
  LAMBDA_FREE_TIER,
  LAMBDA_PRICES,
  type LambdaArchitecture,
  type LambdaPricing,
} from './lambda-pricing.js';

/** The INIT phase of a run's cold starts: part of {@link LambdaCost}'s totals, shown apart. */
export interface InitCost {
  /** Invocations that started a new instance and reported its INIT time. */
  coldStarts: number;
  /** INIT time as measured by the function (instance start to first invoke), summed, ms. */
  measuredMs: number;
  /** Billed milliseconds the INIT phases added to their invocations. */
  billedMs: number;
  gbSeconds: number;
  usd: number;
  /** Where the INIT times were measured: the local emulator stands in for real Lambda. */
  measuredOn: 'emulator' | 'lambda';
}

/** How a run's Lambda use compares with the monthly free tier (1M requests, 400,000 GB-s). */
export interface FreeTierUse {
  /** Share of the monthly free requests this run uses (0.001 = 0.1 %). */
  requestShare: number;
  /** Share of the monthly free GB-seconds this run uses. */
  gbSecondShare: number;
  /** Runs like this one that fit in one month's free tier (0 when one run alone exceeds it). */
  freeRunsPerMonth: number;
  /** This run's bill if it were the month's only usage (the free tier deducted). */
  usdAfterFreeTier: number;
}

/** Estimated Lambda bill of a run. */
export interface LambdaCost {
  /** Invocations, one per attempt sent to Lambda (failed and duplicate attempts are billed too). */
  requests: number;
  /** Sum of per-invocation billed durations (INIT included on cold starts), each rounded up to 1 ms. */
  billedMs: number;
  gbSeconds: number;
  requestUsd: number;
  computeUsd: number;
  totalUsd: number;
  memoryMb: number;
  architecture: LambdaArchitecture;
  /** The cold starts' INIT phase, already included in the figures above. */
  init: InitCost;
  /** The run against the monthly free tier; the figures above are before it (what a run costs past the free tier). */
  freeTier: FreeTierUse;
}

/** One Lambda invocation as billed: its duration and, for a cold start, the INIT time the function measured. */
export interface Invocation {
  durationMs: number;
  initMs?: number;
}

/** Billing totals of a run's Lambda invocations (the shape {@link RunStats.billing} keeps). */
export interface LambdaTotals {
  requests: number;
  billedMs: number;
  coldStarts: number;
  initMs: number;
  initBilledMs: number;
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
 * milliseconds (rounded up, at least 1 ms), a cold start's INIT time added to its invocation before rounding.
 * A bare number is a warm invocation's duration.
 */
export function lambdaCost(
  invocations: readonly (number | Invocation)[],
  pricing: Omit<LambdaPricing, 'source'>,
  measuredOn: InitCost['measuredOn'] = 'lambda',
): LambdaCost {
  const t: LambdaTotals = { requests: 0, billedMs: 0, coldStarts: 0, initMs: 0, initBilledMs: 0 };
  for (const inv of invocations) {
    const { durationMs, initMs } = typeof inv === 'number' ? { durationMs: inv, initMs: undefined } : inv;
    const billed = billedInvocationMs(durationMs, initMs);
    t.requests++;
    t.billedMs += billed;
    if (initMs !== undefined) {
      t.coldStarts++;
      t.initMs += initMs;
      t.initBilledMs += billed - billedInvocationMs(durationMs);
    }
  }
  return lambdaCostOfTotals(t, pricing, measuredOn);
}

/** Lambda cost from billing totals (INIT already included in `billedMs`, and shown apart from `initBilledMs`). */
export function lambdaCostOfTotals(
  t: LambdaTotals,
  pricing: Omit<LambdaPricing, 'source'>,
  measuredOn: InitCost['measuredOn'] = 'lambda',
): LambdaCost {
  const gbPerMs = pricing.memoryMb / 1024 / 1000;
  const gbSecondUsd = LAMBDA_PRICES.gbSecondUsd[pricing.architecture];
  const gbSeconds = t.billedMs * gbPerMs;
  const requestUsd = t.requests * LAMBDA_PRICES.requestUsd;
  const computeUsd = gbSeconds * gbSecondUsd;
  const initGbSeconds = t.initBilledMs * gbPerMs;
  const requestShare = t.requests / LAMBDA_FREE_TIER.requests;
  const gbSecondShare = gbSeconds / LAMBDA_FREE_TIER.gbSeconds;
  const heavier = Math.max(requestShare, gbSecondShare);
  return {
    requests: t.requests,
    billedMs: t.billedMs,
    gbSeconds,
    requestUsd,
    computeUsd,
    totalUsd: requestUsd + computeUsd,
    memoryMb: pricing.memoryMb,
    architecture: pricing.architecture,
    init: {
      coldStarts: t.coldStarts,
      measuredMs: t.initMs,
      billedMs: t.initBilledMs,
      gbSeconds: initGbSeconds,
      usd: initGbSeconds * gbSecondUsd,
      measuredOn,
    },
    freeTier: {
      requestShare,
      gbSecondShare,
      freeRunsPerMonth: heavier > 0 ? Math.floor(1 / heavier) : Number.POSITIVE_INFINITY,
      usdAfterFreeTier:
        Math.max(0, t.requests - LAMBDA_FREE_TIER.requests) * LAMBDA_PRICES.requestUsd +
        Math.max(0, gbSeconds - LAMBDA_FREE_TIER.gbSeconds) * gbSecondUsd,
    },
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
  const invocations: Invocation[] = [];
  let localCpuMs = 0;
  for (const r of stats.records) {
    if (r.side === 'lambda' && r.stage === 'cpu') {
      const durationMs = r.durationMs ?? r.endMs - r.startMs;
      invocations.push(r.initMs !== undefined ? { durationMs, initMs: r.initMs } : { durationMs });
    } else localCpuMs += r.cpuMs ?? 0;
  }
  // the records are capped on huge runs: price the exact totals when the stats have them
  const b = stats.billing;
  const local = localCost(b ? b.localCpuMs : localCpuMs, stats.wallMs, opts.localPricePerHour);
  const notes: string[] = [];
  const measuredOn = opts.emulated ? 'emulator' : 'lambda';
  let lambda: LambdaCost | undefined;
  if (b ? b.lambdaRequests > 0 : invocations.length > 0) {
    lambda = b
      ? lambdaCostOfTotals(
          {
            requests: b.lambdaRequests,
            billedMs: b.lambdaBilledMs,
            coldStarts: b.lambdaColdStarts,
            initMs: b.lambdaInitMs,
            initBilledMs: b.lambdaInitBilledMs,
          },
          opts.pricing,
          measuredOn,
        )
      : lambdaCost(invocations, opts.pricing, measuredOn);
    notes.push(
      `Lambda priced at ${opts.pricing.memoryMb} MB ${opts.pricing.architecture} (from ${opts.pricing.source}), us-east-1 prices, INIT of cold starts included (billed since 2025-08-01), before the free tier.`,
    );
    if (lambda.init.coldStarts > 0) {
      const where = opts.emulated
        ? 'measured on the local emulator (its instance thread start to first invoke), standing in for real INIT times'
        : 'measured by the function (its process start to first invoke)';
      notes.push(
        `INIT: ${count(lambda.init.coldStarts, 'cold start')}, ${Math.round(lambda.init.measuredMs)} ms ${where}; billed ${lambda.init.billedMs} ms = ${formatUsd(lambda.init.usd)} of the Lambda cost.`,
      );
    }
    if (opts.emulated) {
      notes.push('Lambda durations were measured on the local emulator; they stand in for real ones.');
      notes.push(
        "The emulator runs every instance as a thread of one process on the local cores: Lambda CPU times are those threads' own CPU time, and its wall times compete with the local backends for the same cores.",
      );
    }
  }
  return { local, ...(lambda ? { lambda } : {}), totalUsd: (lambda?.totalUsd ?? 0) + (local.usd ?? 0), notes };
}

/**
 * The free-tier line of a Lambda row: how much of the monthly 1M requests and 400,000 GB-s one run uses, how many such
 * runs a month are free, and what a run costs past that (the bill in the table).
 */
export function freeTierLine(backend: string, c: LambdaCost): string {
  const pct = (x: number): string => `${(x * 100).toPrecision(2)} %`;
  const f = c.freeTier;
  const runs =
    f.freeRunsPerMonth === Number.POSITIVE_INFINITY
      ? 'any number of such runs'
      : f.freeRunsPerMonth === 0
        ? `no such run (one alone costs ${formatUsd(f.usdAfterFreeTier)} after it)`
        : count(f.freeRunsPerMonth, 'such run');
  return `Free tier (${LAMBDA_FREE_TIER.requests.toLocaleString('en')} requests + ${LAMBDA_FREE_TIER.gbSeconds.toLocaleString('en')} GB-s a month, per account): ${backend} uses ${pct(f.requestShare)} of the requests and ${pct(f.gbSecondShare)} of the GB-s, so ${runs} a month fit in it; past it each costs ${formatUsd(c.totalUsd)}.`;
}

/** Formats a USD amount with enough digits to show sub-cent Lambda bills (`$0.000042`). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  // two significant digits, written out in full: `$0.0000042`, not `$4.2e-6`
  const digits = Math.min(12, 1 - Math.floor(Math.log10(usd)));
  return `$${usd.toFixed(digits)}`;
}
