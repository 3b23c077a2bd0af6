/**
 * The fan-out simulation behind `plan`: when each of N identical invokes ends on at most `slots` Lambda execution
 * environments, under the per-function scaling rate, with INIT shared between environments starting together when
 * the cores bound it (the emulator on this machine).
 */
import { LAMBDA_LIMITS } from './lambda-limits.js';

/** INIT of environments starting together on shared cores: each of n takes `fixedMs + perEnvironmentMs × n`. */
export interface SharedInit {
  fixedMs: number;
  perEnvironmentMs: number;
}

/** The INIT each of `together` environments takes when they start at once under {@link SharedInit}. */
export function sharedInitMs(init: SharedInit, together: number): number {
  return init.fixedMs + init.perEnvironmentMs * Math.max(1, together);
}

/** Time at which the `k`-th execution environment (0-based) may start, under the per-function scaling rate. */
export function environmentAvailableAt(k: number): number {
  return Math.floor(k / LAMBDA_LIMITS.scaleStepEnvironments) * LAMBDA_LIMITS.scaleStepMs;
}

/**
 * Wall time of `batches` identical invokes on at most `slots` environments, each invoke taking `invokeMs` and an
 * environment's first one `coldMs` more; environment k exists from {@link environmentAvailableAt}(k). Every batch goes
 * to the environment that frees up first (what a scheduler with `slots` in flight does), so a late environment is
 * used only when it is free before the early ones. Returns the wall time and how many environments were used.
 *
 * `sharedInit` (the emulator) makes INIT shared: the n environments that start at the same moment each take
 * {@link sharedInitMs}(n) instead of `coldMs` — all of them, not the first few at full speed (measured on
 * serverless-offline: n cold starts at once all end together, later the more of them there are).
 */
export function simulateFanout(
  batches: number,
  slots: number,
  invokeMs: number,
  coldMs: number,
  sharedInit?: SharedInit,
): { wallMs: number; environments: number; rampLimited: boolean } {
  const used = Math.min(slots, batches);
  /** INIT of environment k: stretched by the environments starting with it when cores bound INIT. */
  const initMsOf = (k: number): number => {
    if (sharedInit === undefined) return coldMs;
    const step = LAMBDA_LIMITS.scaleStepEnvironments;
    return sharedInitMs(sharedInit, Math.min(step, used - Math.floor(k / step) * step));
  };
  // Min-heap of [freeAt, environment index] over the environments in use; the next unused one is `nextEnv`.
  const heap: [number, number][] = [];
  let nextEnv = 0;
  let wallMs = 0;
  let rampLimited = false;
  for (let b = 0; b < batches; b++) {
    const top = heap[0];
    const freshAt = nextEnv < slots ? environmentAvailableAt(nextEnv) : Number.POSITIVE_INFINITY;
    if (top === undefined || freshAt <= top[0]) {
      // a new environment can start no later than the earliest busy one frees up: start it (it pays INIT)
      if (freshAt > 0) rampLimited = true;
      const end = freshAt + initMsOf(nextEnv) + invokeMs;
      heapPush(heap, [end, nextEnv++]);
      wallMs = Math.max(wallMs, end);
    } else {
      const end = top[0] + invokeMs;
      heapReplaceTop(heap, [end, top[1]]);
      wallMs = Math.max(wallMs, end);
    }
  }
  return { wallMs, environments: nextEnv, rampLimited };
}

/** Min-heap of [freeAt, environment index], earliest free first (ties: the lower index). */
function heapPush(h: [number, number][], x: [number, number]): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i] as [number, number], h[p] as [number, number])) break;
    [h[i], h[p]] = [h[p] as [number, number], h[i] as [number, number]];
    i = p;
  }
}

function heapReplaceTop(h: [number, number][], x: [number, number]): void {
  h[0] = x;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(h[l] as [number, number], h[m] as [number, number])) m = l;
    if (r < h.length && less(h[r] as [number, number], h[m] as [number, number])) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m] as [number, number], h[i] as [number, number]];
    i = m;
  }
}

function less(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
