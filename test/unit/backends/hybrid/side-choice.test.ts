import { describe, expect, it } from 'vitest';
import {
  chooseSide,
  estimateMs,
  expectedFinishMs,
  recordSample,
  SAMPLES_KEPT,
  type SideState,
} from '../../../../orchestrator/backends/hybrid/side-choice.js';

const NOW = 10_000;

function side(name: string, over: Partial<SideState> = {}): SideState {
  return {
    name,
    inFlight: 0,
    capacity: 2,
    healthy: true,
    estimateMs: undefined,
    lastFinishAt: NOW - 10,
    runningSince: [],
    ...over,
  };
}

describe('hybrid side choice', () => {
  it('fills unmeasured sides by free share, so both sides start working', () => {
    // Prepare: process has 1 of 2 slots busy, lambda 0 of 8
    const sides = [side('process', { inFlight: 1, runningSince: [NOW] }), side('lambda', { capacity: 8 })];

    // Act + Assess
    expect(chooseSide(sides, { avoid: new Set(), now: NOW })?.name).toBe('lambda');
  });

  it('takes the free slot when both sides are about as fast', () => {
    // Prepare: process full (finishes in ~50 ms), lambda free, both ~100 ms per batch
    const sides = [
      side('process', { inFlight: 2, estimateMs: 100, runningSince: [NOW - 50, NOW - 20] }),
      side('lambda', { capacity: 8, inFlight: 3, estimateMs: 105, runningSince: [NOW, NOW, NOW] }),
    ];

    // Act + Assess
    expect(chooseSide(sides, { avoid: new Set(), now: NOW })?.name).toBe('lambda');
  });

  it('waits for the fast side when the slow free side would finish later', () => {
    // Prepare: process full but done in ~2 ms, 10 ms batches; lambda free but 60 ms batches
    const sides = [
      side('process', { inFlight: 2, estimateMs: 10, runningSince: [NOW - 8, NOW - 3] }),
      side('lambda', { capacity: 4, inFlight: 1, estimateMs: 60, runningSince: [NOW - 5] }),
    ];

    // Act
    const chosen = chooseSide(sides, { avoid: new Set(), now: NOW });

    // Assess: 2 + 10 = 12 ms by waiting beats 60 ms now
    expect(expectedFinishMs(sides[0] as SideState, NOW)).toBe(12);
    expect(chosen).toBeUndefined();
  });

  it('counts the jobs already waiting for the fast side: a deep enough queue makes the slow free side worth it', () => {
    // Prepare: the same sides as above
    const sides = [
      side('process', { inFlight: 2, estimateMs: 10, runningSince: [NOW - 8, NOW - 3] }),
      side('lambda', { capacity: 4, inFlight: 1, estimateMs: 60, runningSince: [NOW - 5] }),
    ];
    const placeBehind = (queuedAhead: number) => chooseSide(sides, { avoid: new Set(), now: NOW, queuedAhead });

    // Act + Assess: behind 4 waiting jobs (2 turns of 2 slots) process finishes at 2 + 3 × 10 = 32 ms: still wait;
    // behind 10 (5 turns), at 62 ms: lambda's 60 ms now is sooner, within the tolerance
    expect(expectedFinishMs(sides[0] as SideState, NOW, 4)).toBe(32);
    expect(placeBehind(4)).toBeUndefined();
    expect(expectedFinishMs(sides[0] as SideState, NOW, 10)).toBe(62);
    expect(placeBehind(10)?.name).toBe('lambda');
  });

  it('never waits for a side with no slots, however fast it measured', () => {
    // Prepare: lambda measured 5 ms a batch but has no slots now (shared cores, CPU-bound work); process is free
    const sides = [
      side('process', { capacity: 2, estimateMs: 50 }),
      side('lambda', { capacity: 0, estimateMs: 5, lastFinishAt: NOW - 1 }),
    ];
    // Act + Assess
    expect(chooseSide(sides, { avoid: new Set(), now: NOW })?.name).toBe('process');
    expect(chooseSide(sides, { avoid: new Set(), now: NOW, queuedAhead: 8 })?.name).toBe('process');
  });

  it('probes an idle side whose estimate is stale, instead of waiting forever', () => {
    // Prepare: lambda looked slow (a cold start) and has run nothing for 6 s (probe after 5 s by default)
    const sides = [
      side('process', { inFlight: 2, estimateMs: 10, runningSince: [NOW - 8, NOW - 3] }),
      side('lambda', { capacity: 4, estimateMs: 500, lastFinishAt: NOW - 6000 }),
    ];

    // Act + Assess
    expect(chooseSide(sides, { avoid: new Set(), now: NOW })?.name).toBe('lambda');
  });

  it('sends a speculative copy to the other side, and waits when only its own side is free', () => {
    // Prepare
    const sides = [side('process', { estimateMs: 10 }), side('lambda', { estimateMs: 50 })];
    const full = [
      side('process', { estimateMs: 10 }),
      side('lambda', { inFlight: 2, estimateMs: 50, runningSince: [NOW, NOW] }),
    ];

    // Act + Assess: the copy avoids process even though process is faster
    expect(chooseSide(sides, { avoid: new Set(['process']), now: NOW })?.name).toBe('lambda');
    expect(chooseSide(full, { avoid: new Set(['lambda']), now: NOW })?.name).toBe('process');
  });

  it('places a speculative copy only where it should beat the original', () => {
    // Prepare: the original runs on process (est. 10 ms); lambda is free with 40 ms batches
    const sides = [
      side('process', { inFlight: 1, estimateMs: 10, runningSince: [NOW - 100] }),
      side('lambda', { capacity: 4, estimateMs: 40 }),
    ];
    const avoid = new Set(['process']);

    // Act + Assess: 90 ms overdue → lambda's 40 ms wins; 5 ms left → wait; original not started → wait
    expect(chooseSide(sides, { avoid, now: NOW, originalRemainingMs: 90 })?.name).toBe('lambda');
    expect(chooseSide(sides, { avoid, now: NOW, originalRemainingMs: 5 })).toBeUndefined();
    expect(chooseSide(sides, { avoid: new Set(), now: NOW, originalRemainingMs: 0 })).toBeUndefined();
  });

  it('never picks an unhealthy side while a healthy one exists', () => {
    const sides = [side('process', { inFlight: 2, runningSince: [NOW, NOW] }), side('lambda', { healthy: false })];
    expect(chooseSide(sides, { avoid: new Set(), now: NOW })).toBeUndefined();
    expect(chooseSide([side('process', { healthy: false })], { avoid: new Set(), now: NOW })?.name).toBe('process');
  });

  it('estimates from the fastest recent batch, forgetting cold starts', () => {
    // Prepare
    const samples: number[] = [];
    for (const ms of [900, 850, 120, 110, ...new Array<number>(SAMPLES_KEPT).fill(130)]) recordSample(samples, ms);

    // Assess: the cold 900/850 and the 110 have been shifted out
    expect(samples).toHaveLength(SAMPLES_KEPT);
    expect(estimateMs(samples)).toBe(130);
    expect(estimateMs([])).toBeUndefined();
  });
});

describe('expected finish of a full side', () => {
  it('is never for an unmeasured side, and grows as its running batch overruns', () => {
    // Prepare
    const unmeasured = side('lambda', { inFlight: 2, runningSince: [NOW, NOW] });
    const overrun = side('process', { inFlight: 2, estimateMs: 10, runningSince: [NOW - 40, NOW - 35] });

    // Assess: |NOW-35 + 10 - NOW| = 25 ms overdue → 25 + 10
    expect(expectedFinishMs(unmeasured, NOW)).toBe(Number.POSITIVE_INFINITY);
    expect(expectedFinishMs(overrun, NOW)).toBe(35);
  });
});
