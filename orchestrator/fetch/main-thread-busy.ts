import { performance } from 'node:perf_hooks';

/** Length of one measuring window of the main thread's event loop, ms. */
const WINDOW_MS = 20;
/** Share of a window the event loop spent running code (not waiting for I/O) above which the window counts as busy. */
const BUSY_UTILIZATION = 0.9;
/** Consecutive busy windows, each with main-thread fetches in flight, that make the fetches move to threads. */
const BUSY_WINDOWS = 3;

/**
 * Calls `onBusy` once the main thread's event loop is measured busy (event-loop utilization ≥ 70 % in two consecutive
 * 20 ms windows) while `active()` says main-thread fetches are in flight. Busy means a fetch's callbacks wait for other
 * work — an inline CPU stage, the fetch stage's own decompression, anything — and that is when fetch threads pay for
 * their start and hand-off: on an idle loop a fetch is pure I/O and the main thread does it cheapest. Returns the stop
 * function. The timer never keeps the process alive.
 */
export function onMainThreadBusy(active: () => boolean, onBusy: () => void): () => void {
  let last = performance.eventLoopUtilization();
  let streak = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    streak = active() && utilization >= BUSY_UTILIZATION ? streak + 1 : 0;
    if (streak >= BUSY_WINDOWS) {
      clearInterval(timer);
      onBusy();
    }
  }, WINDOW_MS);
  timer.unref();
  return () => clearInterval(timer);
}
