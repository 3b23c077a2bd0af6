/** What the hybrid knows about one side when it places a batch. */
export interface SideState {
  name: string;
  inFlight: number;
  capacity: number;
  healthy: boolean;
  /** Expected batch time on this side, ms (see {@link estimateMs}); undefined until a batch has finished there. */
  estimateMs: number | undefined;
  /** When the last batch finished on this side (ms since epoch); undefined if none yet. */
  lastFinishAt: number | undefined;
  /** Start times (ms) of the batches running on this side now. */
  runningSince: readonly number[];
}

/** Placement constraints of one batch. */
export interface Placement {
  /** Sides to avoid: already running this batch (speculation) or where it just failed with a side fault. */
  avoid: ReadonlySet<string>;
  now: number;
  /**
   * A free slot is taken unless waiting for a busy side would finish the batch more than this fraction sooner.
   * @default 0.15
   */
  tolerance?: number;
  /** An idle side that has finished nothing for this long gets one batch to re-measure its speed. @default 5000 */
  probeAfterMs?: number;
  /**
   * For a speculative copy: expected time left for the original (0 when it has not started). The copy is only placed
   * on a side expected to finish it sooner than that; otherwise it waits (and is usually cancelled when the original
   * wins), so copies never take cores from useful work.
   */
  originalRemainingMs?: number;
  /**
   * Jobs already waiting for a slot ahead of this one: they take a busy side's next slots first, so waiting for that
   * side costs a batch time more per slot-full of them (throughput, not only the next slot's latency). @default 0
   */
  queuedAhead?: number;
}

/** Batch times kept per side for the estimate. */
export const SAMPLES_KEPT = 8;

/** Adds one observed batch time to a side's recent samples (keeps the last {@link SAMPLES_KEPT}). */
export function recordSample(samples: number[], ms: number): void {
  samples.push(ms);
  if (samples.length > SAMPLES_KEPT) samples.shift();
}

/**
 * A side's expected batch time: the fastest of its recent batches. Optimistic on purpose: cold starts and bursts of
 * contention only ever make batches slower, so the minimum forgets them as soon as one normal batch comes back.
 */
export function estimateMs(samples: readonly number[]): number | undefined {
  return samples.length > 0 ? Math.min(...samples) : undefined;
}

function free(s: SideState): boolean {
  return s.inFlight < s.capacity;
}

/**
 * Expected time until a batch placed on `s` now would finish: its estimated batch time, after the earliest running
 * batch is expected to end when the side is full, and after the `queuedAhead` jobs waiting before it took their turns
 * (a slot-full of them per batch time). An unmeasured side with a free slot counts as instant, so every side gets work
 * to learn from; a full unmeasured side counts as never.
 */
export function expectedFinishMs(s: SideState, now: number, queuedAhead = 0): number {
  if (free(s)) return s.estimateMs ?? 0;
  // Full and never measured: no idea when a slot frees, so never worth waiting for.
  if (s.estimateMs === undefined) return Number.POSITIVE_INFINITY;
  const est = s.estimateMs;
  // A batch past its expected end is a straggler: the longer it overruns, the less we count on it ending soon.
  const earliest = Math.min(...s.runningSince.map((t) => Math.abs(t + est - now)));
  const turns = s.capacity > 0 ? Math.floor(queuedAhead / s.capacity) : 0;
  return (Number.isFinite(earliest) ? earliest : 0) + est * (1 + turns);
}

/**
 * Earliest-finish placement (work stealing that is aware of side speed): a batch goes to the side expected to finish it
 * first, counting the wait for a slot on a busy side. A free slot on a slow side is left idle when the fast side would
 * still finish sooner — that is what keeps a slow side from holding up the end of a run, and from taking cores the fast
 * side needs when both share a machine. A speculative copy goes only to a free side, not running the original, that is
 * expected to beat the original's remaining time; a retry after a side fault takes any free slot elsewhere at once; an
 * idle side unheard of for `probeAfterMs` gets one batch, so a stale estimate is corrected. Returns undefined to wait.
 */
export function chooseSide(sides: readonly SideState[], placement: Placement): SideState | undefined {
  // a side with no slots at all (a Lambda side on shared cores, for CPU-bound work) frees none: never wait for it
  const open = sides.filter((s) => s.capacity > 0);
  const healthy = open.filter((s) => s.healthy);
  const usable = healthy.length > 0 ? healthy : open;
  const { now } = placement;
  const tolerance = placement.tolerance ?? 0.15;
  const probeAfterMs = placement.probeAfterMs ?? 5000;
  const ahead = placement.queuedAhead ?? 0;
  const finish = (s: SideState): number => expectedFinishMs(s, now, ahead);
  const freeShare = (s: SideState): number => (s.capacity > 0 ? (s.capacity - s.inFlight) / s.capacity : 0);
  const best = (pool: SideState[]): SideState | undefined =>
    pool.reduce<SideState | undefined>((b, s) => {
      if (!b) return s;
      const d = finish(s) - finish(b);
      return d < 0 || (d === 0 && freeShare(s) > freeShare(b)) ? s : b;
    }, undefined);

  const remaining = placement.originalRemainingMs;
  if (remaining !== undefined) {
    const faster = usable.filter(
      (s) => free(s) && !placement.avoid.has(s.name) && (s.estimateMs ?? Number.POSITIVE_INFINITY) < remaining,
    );
    return best(faster);
  }
  if (placement.avoid.size > 0) {
    const elsewhere = usable.filter((s) => free(s) && !placement.avoid.has(s.name));
    if (elsewhere.length > 0) return best(elsewhere);
  }
  const bestFree = best(usable.filter(free));
  if (!bestFree) return undefined;
  const bestAny = best(usable) as SideState;
  if (bestAny === bestFree) return bestFree;
  const stale = usable.find(
    (s) => s.inFlight === 0 && s.capacity > 0 && s.lastFinishAt !== undefined && now - s.lastFinishAt >= probeAfterMs,
  );
  if (stale) return stale;
  return finish(bestAny) * (1 + tolerance) < finish(bestFree) ? undefined : bestFree;
}
