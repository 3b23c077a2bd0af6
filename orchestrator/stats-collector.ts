import type { AttemptReport, SchedulerResult } from './scheduler/scheduler.js';
import type { BackendTotals, BatchRecord, RunStats } from './stats.js';
import type { StageRecord } from './tasks/task.js';

/** Builds {@link BatchRecord}s from scheduler attempt reports, relative to the run's start. */
export class StatsCollector {
  readonly records: BatchRecord[] = [];
  /** Items that failed for good without failing the run. */
  readonly failed: { item: string; reason: string }[] = [];
  readonly #backend: string;
  readonly #stage: string;
  #t0 = Date.now();

  constructor(backend: string, stage = 'cpu') {
    this.#backend = backend;
    this.#stage = stage;
  }

  /** Marks the start of the run (time 0 of the timeline). */
  begin(): void {
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
    this.records.push({
      batchId: r.job.id,
      attempt: r.job.attempt,
      backend: this.#backend,
      side: o?.side ?? r.error?.side ?? r.job.side ?? this.#backend,
      workerId: o?.workerId ?? r.error?.side ?? r.job.side ?? 'unknown',
      startMs: startedAt - this.#t0,
      endMs: endedAt - this.#t0,
      stage: this.#stage,
      status,
      ...(o?.cpuMs !== undefined ? { cpuMs: o.cpuMs } : {}),
      ...(o?.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
      ...(r.error ? { error: r.error.message, errorCode: r.error.code } : {}),
      ...(o?.coldStart !== undefined ? { coldStart: o.coldStart } : {}),
      ...(r.job.speculative ? { speculative: true } : {}),
    });
  }

  /** Records one item of an earlier pipeline stage (a fetch) as a timeline bar. */
  stage(r: StageRecord): void {
    this.records.push({
      batchId: r.item,
      attempt: r.attempt ?? 1,
      backend: r.stage,
      side: r.stage,
      workerId: r.workerId,
      startMs: r.startedAt - this.#t0,
      endMs: r.endedAt - this.#t0,
      stage: r.stage,
      status: r.status,
      ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}),
      ...(r.error ? { error: r.error } : {}),
    });
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

/** Folds the records into {@link RunStats}. Only the winning (`ok`) attempt of a batch counts as a batch. */
export function collectStats(c: StatsCollector, sched: SchedulerResult, duplicates: number): RunStats {
  const byBackend: Record<string, BackendTotals> = {};
  const byWorker: Record<string, BackendTotals> = {};
  let cpuMs = 0;
  const stages: NonNullable<RunStats['stages']> = {};
  for (const r of c.records) {
    cpuMs += r.cpuMs ?? 0;
    const st = stages[r.stage] ?? { items: 0, busyMs: 0, cpuMs: 0, wallMs: 0, first: r.startMs, last: r.endMs };
    st.items++;
    st.busyMs += r.endMs - r.startMs;
    st.cpuMs += r.cpuMs ?? 0;
    st.first = Math.min(st.first ?? r.startMs, r.startMs);
    st.last = Math.max(st.last ?? r.endMs, r.endMs);
    st.wallMs = (st.last ?? 0) - (st.first ?? 0);
    stages[r.stage] = st;
    if (r.status !== 'ok' || r.stage !== 'cpu') continue;
    add(byBackend, r.side, r.cpuMs ?? 0);
    add(byWorker, r.workerId, r.cpuMs ?? 0);
  }
  const round = (n: number): number => Math.round(n * 100) / 100;
  for (const t of [...Object.values(byBackend), ...Object.values(byWorker)]) t.cpuMs = round(t.cpuMs);
  for (const st of Object.values(stages)) {
    st.busyMs = round(st.busyMs);
    st.cpuMs = round(st.cpuMs);
    delete (st as { first?: number }).first;
    delete (st as { last?: number }).last;
  }
  return {
    wallMs: c.elapsed(),
    stages,
    ...(c.failed.length > 0 ? { failed: c.failed } : {}),
    batches: sched.batches,
    retries: sched.retries,
    duplicates: duplicates + c.records.filter((r) => r.status === 'duplicate').length,
    cpuMs: round(cpuMs),
    byBackend,
    byWorker,
    records: c.records,
  };
}
