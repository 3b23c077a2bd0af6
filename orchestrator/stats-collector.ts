import type { CounterValues } from './accumulators/shared-counters.js';
import { redactUrl } from './redact-url.js';
import type { AttemptReport, SchedulerResult } from './scheduler/scheduler.js';
import type { BackendTotals, BatchRecord, RunStats, StageStats } from './stats.js';
import type { StageRecord } from './tasks/task.js';

/**
 * How Lambda meters one invocation, in billed milliseconds: its duration plus, on a cold start, the INIT phase (billed like invoke time
 * for ZIP functions on managed runtimes since 2025-08-01), rounded up to the millisecond, at least 1 ms.
 */
export function billedInvocationMs(durationMs: number, initMs = 0): number {
  return Math.max(1, Math.ceil(durationMs + initMs));
}

/** Detailed records kept per stage; beyond this only the totals are kept, so memory stays flat on huge runs. */
export const DEFAULT_MAX_RECORDS_PER_STAGE = 10_000;

type StageTotals = NonNullable<RunStats['stages']>[string] & { first: number; last: number };

/**
 * Builds {@link BatchRecord}s from scheduler attempt reports (relative to the run's start) and keeps the run's totals
 * as they come. Totals are exact for any run size; the per-attempt records (for the timeline) are capped per stage.
 */
export class StatsCollector {
  readonly records: BatchRecord[] = [];
  /** Items that failed for good without failing the run (URL credentials masked: see {@link fail}). */
  readonly failed: { item: string; reason: string }[] = [];
  readonly #backend: string;
  readonly #stage: string;
  readonly #maxPerStage: number;
  readonly #kept = new Map<string, number>();
  readonly stages = new Map<string, StageTotals>();
  /** Live counters of stages run inside split, by stage (see {@link StatsCollector.counters}). */
  readonly #live = new Map<string, () => CounterValues>();
  readonly byBackend: Record<string, BackendTotals> = {};
  readonly byWorker: Record<string, BackendTotals> = {};
  cpuMs = 0;
  /** Successful records without a CPU figure (see {@link RunStats.cpuUnmeasured}). */
  cpuUnmeasured = 0;
  duplicates = 0;
  dropped = 0;
  /** Exact billing totals: every attempt counts, whether or not its record is kept (see {@link RunStats.billing}). */
  readonly billing = {
    lambdaRequests: 0,
    lambdaBilledMs: 0,
    lambdaColdStarts: 0,
    lambdaInitMs: 0,
    lambdaInitBilledMs: 0,
    localCpuMs: 0,
  };
  readonly #onRecord: ((r: BatchRecord) => void) | undefined;
  #t0 = Date.now();
  #begun = false;

  /** `onRecord` sees every record, including those past the cap. */
  constructor(
    backend: string,
    stage = 'cpu',
    maxRecordsPerStage = DEFAULT_MAX_RECORDS_PER_STAGE,
    onRecord?: (r: BatchRecord) => void,
  ) {
    this.#backend = backend;
    this.#stage = stage;
    this.#maxPerStage = maxRecordsPerStage;
    this.#onRecord = onRecord;
  }

  /** Folds a record into the totals, and keeps it unless its stage already has the maximum. */
  #add(r: BatchRecord): void {
    this.#onRecord?.(r);
    this.cpuMs += r.cpuMs ?? 0;
    if (r.status === 'ok' && r.cpuMs === undefined) this.cpuUnmeasured++;
    let st = this.stages.get(r.stage);
    if (!st) {
      st = { items: 0, busyMs: 0, cpuMs: 0, wallMs: 0, first: r.startMs, last: r.endMs };
      this.stages.set(r.stage, st);
    }
    st.items++;
    st.busyMs += r.endMs - r.startMs;
    st.cpuMs += r.cpuMs ?? 0;
    st.first = Math.min(st.first, r.startMs);
    st.last = Math.max(st.last, r.endMs);
    if (r.status === 'duplicate') this.duplicates++;
    if (r.side === 'lambda' && r.stage === 'cpu') {
      // Lambda bills each invocation in whole milliseconds, rounded up, at least 1 ms; a cold start's INIT on top
      const duration = r.durationMs ?? r.endMs - r.startMs;
      const billed = billedInvocationMs(duration, r.initMs);
      this.billing.lambdaRequests++;
      this.billing.lambdaBilledMs += billed;
      if (r.initMs !== undefined) {
        this.billing.lambdaColdStarts++;
        this.billing.lambdaInitMs += r.initMs;
        this.billing.lambdaInitBilledMs += billed - billedInvocationMs(duration);
      }
    } else {
      this.billing.localCpuMs += r.cpuMs ?? 0;
    }
    if (r.status === 'ok' && r.stage === this.#stage) {
      add(this.byBackend, r.side, r.cpuMs ?? 0);
      add(this.byWorker, r.workerId, r.cpuMs ?? 0);
    }
    const kept = this.#kept.get(r.stage) ?? 0;
    if (kept < this.#maxPerStage) {
      this.#kept.set(r.stage, kept + 1);
      this.records.push(r);
    } else {
      this.dropped++;
    }
  }

  /** Lists an item that failed for good without failing the run; credentials in URLs are masked here, once. */
  fail(item: string, reason: string): void {
    this.failed.push({ item: redactUrl(item), reason: redactUrl(reason) });
  }

  /** Marks the start of the run (time 0 of the timeline), once: later calls do nothing. */
  begin(): void {
    if (this.#begun) return;
    this.#begun = true;
    this.#t0 = Date.now();
  }

  /** Start of the run, ms since epoch. */
  get startedAt(): number {
    return this.#t0;
  }

  /** Records one ended attempt. */
  attempt(r: AttemptReport): void {
    const o = r.outcome;
    const startedAt = o?.startedAt ?? r.startedAt;
    const endedAt = o?.endedAt ?? r.endedAt;
    const status: BatchRecord['status'] = r.cancelled ? (o ? 'duplicate' : 'cancelled') : o ? 'ok' : 'error';
    // optional fields set one by one, in the record's key order: one object per attempt, not one per spread
    const record: BatchRecord = {
      batchId: r.job.id,
      attempt: r.job.attempt,
      backend: this.#backend,
      side: o?.side ?? r.error?.side ?? this.#backend,
      workerId: o?.workerId ?? r.error?.workerId ?? r.error?.side ?? 'unknown',
      startMs: startedAt - this.#t0,
      endMs: endedAt - this.#t0,
      stage: this.#stage,
      status,
    };
    if (o?.cpuMs !== undefined) record.cpuMs = o.cpuMs;
    if (o?.durationMs !== undefined) record.durationMs = o.durationMs;
    if (r.error) {
      record.error = redactUrl(r.error.message);
      record.errorCode = r.error.code;
    }
    if (o?.coldStart !== undefined) record.coldStart = o.coldStart;
    if (o?.initMs !== undefined) record.initMs = o.initMs;
    if (r.job.speculative) record.speculative = true;
    const output = o?.output ?? r.error?.output;
    if (output) record.output = output;
    this.#add(record);
  }

  /** Records one item of an earlier pipeline stage (a fetch) as a timeline bar. */
  stage(r: StageRecord): void {
    this.#add({
      batchId: redactUrl(r.item),
      attempt: r.attempt ?? 1,
      backend: r.stage,
      side: r.stage,
      workerId: r.workerId,
      startMs: r.startedAt - this.#t0,
      endMs: r.endedAt - this.#t0,
      stage: r.stage,
      status: r.status,
      ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}),
      ...(r.waitMs !== undefined ? { waitMs: r.waitMs } : {}),
      ...(r.error ? { error: redactUrl(r.error) } : {}),
    });
  }

  /** Registers the live counters of a stage (the fetch stage's shared counters). */
  counters(stage: string, read: () => CounterValues): void {
    this.#live.set(stage, read);
  }

  /** A consistent snapshot of every registered stage's counters, or undefined when there are none. */
  liveStages(): Record<string, CounterValues> | undefined {
    if (this.#live.size === 0) return undefined;
    return Object.fromEntries([...this.#live].map(([stage, read]) => [stage, read()]));
  }

  /** Wall time since {@link begin}. */
  elapsed(): number {
    return Date.now() - this.#t0;
  }
}

function add(map: Record<string, BackendTotals>, key: string, cpuMs: number): void {
  const t = map[key] ?? { batches: 0, cpuMs: 0 };
  t.batches++;
  t.cpuMs += cpuMs;
  map[key] = t;
}

/** The shared counters of a stage as stats: documents, bytes, bytes/s over `wallMs`, attempts by status. */
function counterStats(c: CounterValues, wallMs: number): Partial<StageStats> {
  return {
    documents: c.docs,
    bytes: c.bytes,
    bytesPerSec: wallMs > 0 ? Math.round((c.bytes * 1000) / wallMs) : 0,
    attempts: c.attempts,
    failed: c.failed,
    statuses: {
      '2xx': c.status2xx,
      '3xx': c.status3xx,
      '4xx': c.status4xx,
      '5xx': c.status5xx,
      network: c.networkErrors,
    },
  };
}

/** The run's {@link RunStats}. Only the winning (`ok`) attempt of a batch counts as a batch. */
export function collectStats(c: StatsCollector, sched: SchedulerResult, duplicates: number): RunStats {
  const round = (n: number): number => Math.round(n * 100) / 100;
  const totals = (m: Record<string, BackendTotals>): Record<string, BackendTotals> =>
    Object.fromEntries(Object.entries(m).map(([k, t]) => [k, { batches: t.batches, cpuMs: round(t.cpuMs) }]));
  const stages: NonNullable<RunStats['stages']> = {};
  for (const [name, st] of c.stages) {
    stages[name] = { items: st.items, busyMs: round(st.busyMs), cpuMs: round(st.cpuMs), wallMs: st.last - st.first };
  }
  for (const [name, counters] of Object.entries(c.liveStages() ?? {})) {
    const st = stages[name] ?? { items: 0, busyMs: 0, cpuMs: 0, wallMs: 0 };
    stages[name] = { ...st, ...counterStats(counters, st.wallMs) };
  }
  return {
    wallMs: c.elapsed(),
    stages,
    ...(c.failed.length > 0 ? { failed: c.failed } : {}),
    batches: sched.batches,
    retries: sched.retries,
    duplicates: duplicates + c.duplicates,
    cpuMs: round(c.cpuMs),
    ...(c.cpuUnmeasured > 0 ? { cpuUnmeasured: c.cpuUnmeasured } : {}),
    byBackend: totals(c.byBackend),
    byWorker: totals(c.byWorker),
    records: c.records,
    ...(c.dropped > 0 ? { recordsDropped: c.dropped } : {}),
    billing: { ...c.billing },
  };
}
