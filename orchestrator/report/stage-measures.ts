/**
 * What the advice reads off a run: CPU and busy time per stage, and the one-off cold-start cost of a side.
 */
import type { RunStats } from '../stats.js';
import type { StageMeasure } from './advice.js';

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
