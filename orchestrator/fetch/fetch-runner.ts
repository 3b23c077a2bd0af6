import { type CounterValues, SharedCounters, type SharedCountersHandle } from '../accumulators/shared-counters.js';
import { ThreadCpuWindow, threadCpuNs } from '../far-side/thread-cpu.js';
import { guardedAgent } from './address-guard.js';
import type { ResolvedFetchOptions } from './fetch-options.js';
import { type FetchResult, fetchUrl } from './fetch-url.js';

/**
 * Shortest gap between two reads of the thread's CPU clock while requests overlap, ms. A read is a system call (9 µs
 * here on a loaded machine, and a CPU profile of 3,000 fetches put a sixth of the main thread's busy time in it): a
 * reply within this gap of the last read reports 0 ms and the next read's window holds its CPU, so the windows still
 * tile the thread's busy time. The last reply of a busy period always reads.
 */
const CPU_READ_EVERY_MS = 20;

/** One finished fetch as a runner reports it: the result, when it ran, and the CPU window of its thread. */
export interface RunnerReply {
  result: FetchResult;
  startedAt: number;
  endedAt: number;
  cpuMs?: number;
  waitMs?: number;
}

/**
 * Runs fetches on the event loop of the thread that made it — a fetch thread, or the main thread while it has time
 * (see FetchPool's placement) — with one guarded undici Agent, the shared counters and the thread's CPU windows.
 */
export class FetchRunner {
  readonly #options: ResolvedFetchOptions;
  readonly #counters: SharedCounters;
  // One connection per concurrent request this runner may run, kept alive across documents of the same host; every
  // new connection passes the link-local / metadata guard (address-guard.ts) unless the user allowed those addresses.
  readonly #dispatcher;
  readonly #headers: Record<string, string>;
  /** CPU windows over the thread's busy periods: idle gaps are no fetch's. */
  readonly #cpu = new ThreadCpuWindow();
  /** Whether this thread's CPU clock can be read at all (else no reply carries a CPU figure). */
  readonly #measured = threadCpuNs() !== undefined;
  #inFlight = 0;
  /** When the CPU clock was last read (performance.now()). */
  #readAt = 0;

  /** `connections`: most requests this runner runs at once. */
  constructor(
    options: ResolvedFetchOptions,
    counters: SharedCountersHandle,
    connections: number,
    runId: string | undefined,
  ) {
    this.#options = options;
    this.#counters = new SharedCounters(counters);
    this.#dispatcher = guardedAgent({
      connections,
      keepAliveTimeout: 10_000,
      allowLinkLocal: options.allowLinkLocal,
    });
    this.#headers = runId ? { 'x-fanout-run': runId } : {};
  }

  /** Fetches `url` (retries included); never rejects. */
  async run(url: string): Promise<RunnerReply> {
    const startedAt = Date.now();
    if (this.#inFlight++ === 0) {
      this.#cpu.restart();
      this.#readAt = performance.now();
    }
    const result = await fetchUrl(url, this.#options, {
      dispatcher: this.#dispatcher,
      headers: this.#headers,
      onAttempt: (cls, bytes) =>
        this.#add({ attempts: 1, [cls]: 1, ...(bytes === undefined ? {} : { docs: 1, bytes }) }),
    }).catch((err: unknown): FetchResult => ({ ok: false, url, reason: `fetch error: ${String(err)}`, attempts: 0 }));
    if (!result.ok) this.#add({ failed: 1 });
    this.#inFlight--;
    return { result, startedAt, endedAt: Date.now(), ...this.#cpuWindow() };
  }

  #cpuWindow(): { cpuMs?: number; waitMs?: number } {
    const now = performance.now();
    if (!this.#measured) return {};
    if (this.#inFlight > 0 && now - this.#readAt < CPU_READ_EVERY_MS) return { cpuMs: 0 };
    this.#readAt = now;
    return this.#cpu.take() ?? {};
  }

  /** Closes the runner's connections (requests still running end with an error). */
  close(): Promise<void> {
    return this.#dispatcher.destroy();
  }

  #add(delta: Partial<CounterValues>): void {
    this.#counters.add(delta);
  }
}
