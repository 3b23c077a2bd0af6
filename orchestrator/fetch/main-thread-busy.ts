import { performance } from 'node:perf_hooks';
import { threadCpuNs, threadRunDelayNs } from '../far-side/thread-cpu.js';

/** Length of one measuring window of the main thread, ms. */
const WINDOW_MS = 20;
/** Share of its runnable time the main thread spent computing, above which it counts as busy. */
const BUSY_SHARE = 0.8;
/** Consecutive windows, each with main-thread fetches in flight, the share is taken over. */
const BUSY_WINDOWS = 3;

/** One window: the main thread's CPU time and the time it could run (wall time minus time waiting for a core), ms. */
interface Window {
  cpuMs: number;
  runnableMs: number;
}

/**
 * Measures the main thread window by window: its CPU clock, and its wall time minus Linux's run delay (time it was
 * runnable but had no core). On a loaded machine a thread that mostly waits for I/O still spends long stretches without
 * a core, which event-loop utilization counts as busy; leaving that wait out does not, while a thread computing non-stop
 * computes all of its runnable time however loaded the machine. Where the clocks cannot be read: event-loop
 * utilization over wall time.
 */
function windowMeter(): () => Window {
  if (threadCpuNs() === undefined || threadRunDelayNs() === undefined) {
    let last = performance.eventLoopUtilization();
    let at = performance.now();
    return () => {
      const [now, nowAt] = [performance.eventLoopUtilization(), performance.now()];
      const runnableMs = nowAt - at;
      const window = { cpuMs: performance.eventLoopUtilization(now, last).utilization * runnableMs, runnableMs };
      [last, at] = [now, nowAt];
      return window;
    };
  }
  let at = performance.now();
  let cpu = threadCpuNs() as number;
  let wait = threadRunDelayNs() as number;
  return () => {
    const [nowAt, nowCpu, nowWait] = [performance.now(), threadCpuNs() as number, threadRunDelayNs() as number];
    const window = { cpuMs: (nowCpu - cpu) / 1e6, runnableMs: nowAt - at - (nowWait - wait) / 1e6 };
    [at, cpu, wait] = [nowAt, nowCpu, nowWait];
    return window;
  };
}

/**
 * Calls `onBusy` once the main thread is measured busy: over three consecutive 20 ms windows, each with main-thread
 * fetches in flight (`active()`), it computed for ≥ 80 % of the time it could run. (Summed over the windows: the run
 * delay is brought up to date only when the thread gets a core, so one window alone can be off by a scheduling gap.)
 * Busy means a fetch's callbacks wait for other work — an inline CPU stage, the fetch stage's own decompression,
 * anything — and that is when fetch threads pay for their start and hand-off: on an idle loop a fetch is pure I/O and
 * the main thread does it cheapest. Returns the stop function. The timer never keeps the process alive.
 */
export function onMainThreadBusy(active: () => boolean, onBusy: () => void): () => void {
  const measure = windowMeter();
  const recent: Window[] = [];
  const timer = setInterval(() => {
    const window = measure();
    if (!active()) {
      recent.length = 0;
      return;
    }
    recent.push(window);
    if (recent.length > BUSY_WINDOWS) recent.shift();
    const cpuMs = recent.reduce((sum, w) => sum + w.cpuMs, 0);
    const runnableMs = recent.reduce((sum, w) => sum + w.runnableMs, 0);
    if (recent.length === BUSY_WINDOWS && runnableMs > 0 && cpuMs >= BUSY_SHARE * runnableMs) {
      clearInterval(timer);
      onBusy();
    }
  }, WINDOW_MS);
  timer.unref();
  return () => clearInterval(timer);
}
