import type { RunInfo } from '../options.js';
import type { BatchRecord } from '../stats.js';

/**
 * The Trace Event Format (the JSON that ui.perfetto.dev and chrome://tracing open): the event kinds fanout writes.
 * Times are microseconds from the first traced run's start.
 */

/** A complete event (`ph: "X"`): one batch attempt or one fetch. */
export interface TraceCompleteEvent {
  name: string;
  /** Comma-separated categories: the stage (`cpu`, `fetch`) and the status (`ok`, `error`, …). */
  cat: string;
  ph: 'X';
  ts: number;
  dur: number;
  pid: number;
  tid: number;
  args: Record<string, string | number | boolean>;
}

/** A counter event (`ph: "C"`): in-flight work per stage of one backend, from this time on. */
export interface TraceCounterEvent {
  name: string;
  ph: 'C';
  ts: number;
  pid: number;
  tid: number;
  args: Record<string, number>;
}

/** A metadata event (`ph: "M"`) naming a process (a backend) or a thread (a lane), or ordering them. */
export interface TraceMetadataEvent {
  name: 'process_name' | 'thread_name' | 'process_sort_index' | 'thread_sort_index';
  ph: 'M';
  pid: number;
  tid: number;
  args: { name: string } | { sort_index: number };
}

/** Any event fanout writes. */
export type TraceEvent = TraceCompleteEvent | TraceCounterEvent | TraceMetadataEvent;

/** The JSON object format of a trace file. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

/** One run's records as {@link FanoutOptions.onRecord} delivered them. */
export interface TracedRun {
  run: RunInfo;
  records: BatchRecord[];
}

/** Lane of the per-run summary bars and of the counters, above every worker lane of a backend. */
const RUNS_TID = 0;

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Milliseconds → whole microseconds (the format's unit; our clocks are ms). */
const us = (ms: number): number => Math.round(ms * 1000);

function recordArgs(r: BatchRecord, runNo: number): TraceCompleteEvent['args'] {
  const args: TraceCompleteEvent['args'] = {
    batchId: r.batchId,
    attempt: r.attempt,
    side: r.side,
    stage: r.stage,
    status: r.status,
    worker: r.workerId,
    run: runNo,
  };
  if (r.cpuMs !== undefined) args.cpuMs = r.cpuMs;
  if (r.durationMs !== undefined) args.durationMs = r.durationMs;
  if (r.coldStart !== undefined) args.coldStart = r.coldStart;
  if (r.initMs !== undefined) args.initMs = r.initMs;
  if (r.speculative) args.speculative = true;
  if (r.error !== undefined) args.error = r.error;
  if (r.errorCode !== undefined) args.errorCode = r.errorCode;
  if (r.output !== undefined) args.output = r.output.text;
  if (r.output?.cutBytes !== undefined) args.outputCutBytes = r.output.cutBytes;
  return args;
}

/**
 * The in-flight counter of one run: at every start or end of a record, how many records of each stage are running.
 * Ends sort before starts at the same instant, so back-to-back batches on one lane do not count twice.
 */
function inFlightCounters(
  records: readonly BatchRecord[],
  pid: number,
  offsetMs: number,
  stages: readonly string[],
): TraceCounterEvent[] {
  const points: { t: number; stage: string; delta: number }[] = [];
  for (const r of records) {
    points.push({ t: us(offsetMs + r.startMs), stage: r.stage, delta: 1 });
    points.push({ t: us(offsetMs + Math.max(r.startMs, r.endMs)), stage: r.stage, delta: -1 });
  }
  points.sort((a, b) => a.t - b.t || a.delta - b.delta);
  const now: Record<string, number> = Object.fromEntries(stages.map((s) => [s, 0]));
  // the counter starts at 0 with the run
  const out: TraceCounterEvent[] = [
    { name: 'in flight', ph: 'C', ts: us(offsetMs), pid, tid: RUNS_TID, args: { ...now } },
  ];
  let last = JSON.stringify(now);
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as (typeof points)[0];
    now[p.stage] = (now[p.stage] ?? 0) + p.delta;
    if (points[i + 1]?.t === p.t) continue; // one sample per instant, after every change at it
    const sample = JSON.stringify(now);
    if (sample === last) continue; // an end and a start at the same instant: no change to draw
    last = sample;
    out.push({ name: 'in flight', ph: 'C', ts: p.t, pid, tid: RUNS_TID, args: { ...now } });
  }
  return out;
}

/**
 * Builds the trace of one or more runs: a process (pid) per backend, a thread (tid) per lane (worker, Lambda instance,
 * fetch thread), one complete event per attempt and per fetch, a summary bar per run, and in-flight counters. Runs of
 * the same backend (compare's repetitions) share its process and sit on the time axis where they really ran.
 */
export function buildTrace(runs: readonly TracedRun[], otherData: Record<string, string> = {}): TraceFile {
  const origin = runs.reduce((m, r) => Math.min(m, r.run.startedAt), Number.POSITIVE_INFINITY);
  const pids = new Map<string, number>();
  for (const { run } of runs) if (!pids.has(run.backend)) pids.set(run.backend, pids.size + 1);
  const events: TraceEvent[] = [];
  for (const [backend, pid] of pids) {
    const mine = runs.filter((r) => r.run.backend === backend);
    events.push(
      { name: 'process_name', ph: 'M', pid, tid: 0, args: { name: backend } },
      { name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: pid } },
      { name: 'thread_name', ph: 'M', pid, tid: RUNS_TID, args: { name: 'runs' } },
    );
    // lanes: earlier stages (fetch) first, then by name, so a pipeline reads top to bottom
    const lanes = new Map<string, { stage: string; worker: string }>();
    for (const { records } of mine) {
      for (const r of records) lanes.set(`${r.stage}\u0000${r.workerId}`, { stage: r.stage, worker: r.workerId });
    }
    const order = [...lanes.entries()].sort(
      ([, a], [, b]) => (a.stage === 'cpu' ? 1 : 0) - (b.stage === 'cpu' ? 1 : 0) || byName(a.worker, b.worker),
    );
    const tids = new Map<string, number>();
    for (const [key, lane] of order) {
      const tid = tids.size + 1;
      tids.set(key, tid);
      events.push(
        { name: 'thread_name', ph: 'M', pid, tid, args: { name: lane.worker } },
        { name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } },
      );
    }
    const stages = [...new Set(order.map(([, l]) => l.stage))];
    for (const [i, { run, records }] of mine.entries()) {
      const offset = run.startedAt - origin;
      const runNo = i + 1;
      const end = records.reduce((m, r) => Math.max(m, r.endMs), 0);
      events.push({
        name: mine.length > 1 ? `${backend} run ${runNo}` : backend,
        cat: 'run',
        ph: 'X',
        ts: us(offset),
        dur: us(end),
        pid,
        tid: RUNS_TID,
        args: { backend, run: runNo, records: records.length },
      });
      for (const r of records) {
        events.push({
          name: r.stage === 'cpu' ? `batch ${r.batchId}` : `${r.stage} ${r.batchId}`,
          cat: `${r.stage},${r.status}`,
          ph: 'X',
          ts: us(offset + r.startMs),
          dur: Math.max(0, us(r.endMs - r.startMs)),
          pid,
          tid: tids.get(`${r.stage}\u0000${r.workerId}`) as number,
          args: recordArgs(r, runNo),
        });
      }
      events.push(...inFlightCounters(records, pid, offset, stages));
    }
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData };
}
