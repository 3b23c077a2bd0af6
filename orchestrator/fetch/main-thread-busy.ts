import { performance } from 'node:perf_hooks';
import { threadCpuNs, threadRunDelayNs } from '../far-side/thread-cpu.js';

/** Length of one measuring window of the main thread, ms. */
const WINDOW_MS = 20;
/** Share of a window's runnable time the main thread spent computing, above which the window counts as busy. */
const BUSY_SHARE = 0.8;
/** Consecutive busy windows, each with main-thread fetches in flight, that make the fetches move to threads. */
const BUSY_WINDOWS = 3;

/** How busy the main thread was since the previous call: computing time ÷ time it could have run, 0–1. */
type BusyMeter = () => number;

/**
 * The main thread's CPU time over the time it was not waiting for a core (Linux's run delay). On a loaded machine a
 * thread that mostly waits for I/O still spends long stretches runnable but without a core, which event-loop
 * utilization counts as busy; this share does not, while a thread computing non-stop reads ~1 however loaded the
 * machine. Where the clocks cannot be read: event-loop utilization.
 */
function busyMeter(): BusyMeter {
  if (threadCpuNs() === undefined || threadRunDelayNs() === undefined) {
    let last = performance.eventLoopUtilization();
    return () => {
      const now = performance.eventLoopUtilization();
      const share = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      return share;
    };
  }
  let at = performance.now();
  let cpu = threadCpuNs() as number;
  let wait = threadRunDelayNs() as number;
  return () => {
    const [nowAt, nowCpu, nowWait] = [performance.now(), threadCpuNs() as number, threadRunDelayNs() as number];
    const runnableMs = nowAt - at - (nowWait - wait) / 1e6;
    const share = runnableMs > 0 ? (nowCpu - cpu) / 1e6 / runnableMs : 0;
    [at, cpu, wait] = [nowAt, nowCpu, nowWait];
    return share;
  };
}

/**
 * Calls `onBusy` once the main thread is measured busy (computing ≥ 80 % of the time it could run, in three
 * consecutive 20 ms windows) while `active()` says main-thread fetches are in flight. Busy means a fetch's callbacks
 * wait for other work — an inline CPU stage, the fetch stage's own decompression, anything — and that is when fetch
 * threads pay for their start and hand-off: on an idle loop a fetch is pure I/O and the main thread does it cheapest.
 * Returns the stop function. The timer never keeps the process alive.
 */
export function onMainThreadBusy(active: () => boolean, onBusy: () => void): () => void {
  const busy = busyMeter();
  let streak = 0;
  const timer = setInterval(() => {
    const share = busy();
    streak = active() && share >= BUSY_SHARE ? streak + 1 : 0;
    if (streak >= BUSY_WINDOWS) {
      clearInterval(timer);
      onBusy();
    }
  }, WINDOW_MS);
  timer.unref();
  return () => clearInterval(timer);
}
