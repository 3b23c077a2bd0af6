import { performance } from 'node:perf_hooks';
import { threadCpuNs, threadRunDelayNs } from '../far-side/thread-cpu.js';

/** Length of one measuring window of the main thread, ms. */
const WINDOW_MS = 20;
/** Share of its runnable time the main thread spent computing, above which it counts as busy. */
const BUSY_SHARE = 0.8;
/** Consecutive windows, each with main-thread fetches in flight, the share is taken over. */
const BUSY_WINDOWS = 5;

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
 * Calls `onBusy` once the main thread is measured busy: over five consecutive windows, each with main-thread fetches
 * in flight (`active()`), it computed for ≥ 80 % of the time it could run on average, and in at least four of them. A
 * window closes once it holds half a window (10 ms) of runnable time, so a window cut short after a long task, or one
 * whose run delay is booked late (Linux brings it up to date only when the thread gets a core), is merged into the
 * next. Each window counts once however long: one long task — the first wave of 64 replies arriving together and
 * their batch counted, 50–75 ms — is not a busy thread. With three windows weighted by time, that one window (or the
 * wave after it) moved `fanout run wordcount --backend inline` to threads in most runs: its fetching and counting
 * share one thread near its limit for about half a second, less than the threads' start (about 200 ms of CPU each)
 * wins back. A main thread computing non-stop still moves after about 100 ms.
 * Busy means a fetch's callbacks wait for other work — an inline CPU stage, the fetch stage's own decompression,
 * anything — and that is when fetch threads pay for their start and hand-off: on an idle loop a fetch is pure I/O and
 * the main thread does it cheapest. Returns the stop function. The timer never keeps the process alive.
 */
export function onMainThreadBusy(active: () => boolean, onBusy: () => void): () => void {
  const measure = windowMeter();
  /** Busy shares (CPU ÷ runnable time, at most 1) of the last closed windows. */
  const shares: number[] = [];
  /** The window being measured: it closes once it holds half a window of runnable time. */
  let open: Window = { cpuMs: 0, runnableMs: 0 };
  const timer = setInterval(() => {
    const window = measure();
    if (!active()) {
      shares.length = 0;
      open = { cpuMs: 0, runnableMs: 0 };
      return;
    }
    open = { cpuMs: open.cpuMs + window.cpuMs, runnableMs: open.runnableMs + window.runnableMs };
    // cut short (the timer catching up after a long task, or a run delay booked late): let it grow
    if (open.runnableMs < WINDOW_MS / 2) return;
    shares.push(Math.min(1, open.cpuMs / open.runnableMs));
    open = { cpuMs: 0, runnableMs: 0 };
    if (shares.length > BUSY_WINDOWS) shares.shift();
    const mean = shares.reduce((sum, x) => sum + x, 0) / shares.length;
    const busyWindows = shares.filter((x) => x >= BUSY_SHARE).length;
    if (shares.length === BUSY_WINDOWS && mean >= BUSY_SHARE && busyWindows >= BUSY_WINDOWS - 1) {
      clearInterval(timer);
      onBusy();
    }
  }, WINDOW_MS);
  timer.unref();
  return () => clearInterval(timer);
}
