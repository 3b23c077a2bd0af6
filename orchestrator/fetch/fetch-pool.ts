import { Worker } from 'node:worker_threads';
import { type CounterValues, SharedCounters } from '../accumulators/shared-counters.js';
import { FanoutError } from '../errors.js';
import { farSideEntry } from '../far-side/entry-path.js';
import { type FetchOptions, type ResolvedFetchOptions, resolveFetchOptions } from './fetch-options.js';
import type { FetchDoneMessage, FetchReplyMessage, FetchRequestMessage, FetchWorkerData } from './fetch-protocol.js';
import { FetchRunner, type RunnerReply } from './fetch-runner.js';
import type { FetchResult } from './fetch-url.js';
import { onMainThreadBusy } from './main-thread-busy.js';

/** A finished fetch, with where and when it ran, and the fetch thread's CPU time it reported (see FetchReplyMessage). */
export type PooledFetchResult = FetchResult & { workerId: string; startedAt: number; endedAt: number } & {
  cpuMs?: number;
  waitMs?: number;
};

/** Old-generation cap of a fetch thread's heap, MB. */
const FETCH_THREAD_OLD_GEN_MB = 64;

interface Pending {
  id: number;
  url: string;
  resolve(r: PooledFetchResult): void;
  reject(err: unknown): void;
  /** Times the thread running it died; a URL that kills two threads fails for good. */
  crashes: number;
}

interface Slot {
  index: number;
  worker: Worker;
  /** Set once the thread said `ready`: only then does it get requests. */
  ready: boolean;
  inFlight: Map<number, Pending>;
}

/** `workerId` of the fetches run on the main thread. */
export const MAIN_THREAD_WORKER_ID = 'fetch-main';

/**
 * Fetches, at most `concurrency` at once, on the main thread's event loop or in fetch threads (`placement`).
 *
 * `auto` starts on the main thread: pure I/O costs least there (no thread start, no hand-off, and on 2 cores no third
 * busy thread). Once the main thread is measured busy while it fetches (main-thread-busy.ts), the threads start; from
 * when they are up, new requests go to them and the main thread finishes only what it had begun.
 *
 * In threads, requests are queued here and handed to the least-busy thread, at most `perThread` per thread; each thread
 * runs its share concurrently on its own event loop. A thread that dies is replaced and its requests are re-queued.
 */
export class FetchPool {
  readonly options: ResolvedFetchOptions;
  readonly #counters = SharedCounters.create();
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #inFlight = 0;
  #closed = false;
  readonly #runId: string | undefined;
  /** The main thread's runner, from start to close (requests it began still finish after the threads took over). */
  #main: FetchRunner | undefined;
  /** Whether new requests go to the main thread: until the threads are up. */
  #mainTakes = false;
  readonly #onMain = new Set<Pending>();
  #stopProbe: (() => void) | undefined;

  /** `runId` goes out with every request as `x-fanout-run` (see FetchWorkerData). */
  constructor(options: FetchOptions = {}, runId?: string) {
    this.options = resolveFetchOptions(options);
    this.#runId = runId;
  }

  /**
   * Gets ready to fetch: on the main thread at once (`auto`, `main`), else once each thread has loaded its modules and
   * listens. Either way a request made after this leaves at once.
   */
  async start(): Promise<void> {
    if (this.options.placement === 'threads') return this.#startThreads();
    this.#main = new FetchRunner(this.options, this.#counters.handle, this.options.concurrency, this.#runId);
    this.#mainTakes = true;
    if (this.options.placement === 'auto') {
      this.#stopProbe = onMainThreadBusy(
        () => this.#onMain.size > 0,
        () => this.#moveToThreads(),
      );
    }
  }

  /** Whether requests are running in fetch threads (started with `threads`, or moved there by `auto`). */
  get inThreads(): boolean {
    return this.#slots.length > 0 && !this.#mainTakes;
  }

  #startThreads(): Promise<void> {
    const started: Promise<unknown>[] = [];
    for (let i = 0; i < this.options.threads; i++) started.push(this.#spawn(i));
    return Promise.all(started).then(() => {});
  }

  /**
   * The main thread is busy: the threads start; once they are up they take every new request and the main thread
   * finishes only what it had begun. Until then it goes on fetching, slowly but not idle: a thread's start takes
   * ~100 ms on a quiet machine and seconds on a loaded one, longer than the main thread needs to finish its requests.
   */
  #moveToThreads(): void {
    this.#stopProbe = undefined;
    if (this.#closed) return;
    this.#startThreads().then(
      () => {
        this.#mainTakes = false;
        this.#dispatch();
      },
      // threads that cannot start leave the fetches on the main thread: a slower run, not a failed one
      () => {},
    );
  }

  /** Requests in flight in the threads now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a free thread slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** A consistent snapshot of the counters every thread updates under the shared lock. */
  counters(): CounterValues {
    return this.#counters.snapshot();
  }

  /** Fetches `url` in some thread. Rejects only when `signal` aborts or the pool closes; HTTP failures resolve. */
  fetch(url: string, signal?: AbortSignal): Promise<PooledFetchResult> {
    if (this.#closed) return Promise.reject(new FanoutError('ECANCEL', 'fetch pool is closed', { retryable: false }));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<PooledFetchResult>((resolve, reject) => {
      const pending: Pending = { id: this.#nextId++, url, resolve, reject, crashes: 0 };
      if (signal) {
        // A request already in a thread runs to its own deadline; the pool closes soon after an abort anyway.
        const onAbort = (): void => {
          const i = this.#queue.indexOf(pending);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.resolve = (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        };
      }
      this.#queue.push(pending);
      this.#dispatch();
    });
  }

  /** Stops every thread; requests still queued or running reject with ECANCEL. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopProbe?.();
    this.#mainTakes = false;
    const err = new FanoutError('ECANCEL', 'fetch pool closed', { retryable: false });
    for (const p of this.#queue.splice(0)) p.reject(err);
    for (const p of this.#onMain) p.reject(err);
    this.#onMain.clear();
    const slots = this.#slots.splice(0);
    for (const s of slots) for (const p of s.inFlight.values()) p.reject(err);
    await Promise.all([...slots.map((s) => s.worker.terminate()), this.#main?.close()]);
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.options.concurrency) {
      if (this.#mainTakes && this.#main) {
        const p = this.#queue.shift() as Pending;
        this.#onMain.add(p);
        this.#inFlight++;
        this.#main.run(p.url).then((reply) => {
          if (!this.#onMain.delete(p)) return; // closed meanwhile: already rejected
          this.#inFlight--;
          p.resolve(pooled(reply, MAIN_THREAD_WORKER_ID));
          this.#dispatch();
        });
        continue;
      }
      let best: Slot | undefined;
      for (const s of this.#slots) {
        if (s.ready && s.inFlight.size < this.options.perThread && (!best || s.inFlight.size < best.inFlight.size))
          best = s;
      }
      if (!best) return;
      const p = this.#queue.shift() as Pending;
      best.inFlight.set(p.id, p);
      this.#inFlight++;
      const msg: FetchRequestMessage = { type: 'fetch', id: p.id, url: p.url };
      best.worker.postMessage(msg);
    }
  }

  #spawn(index: number): Promise<unknown> {
    const data: FetchWorkerData = {
      options: this.options,
      counters: this.#counters.handle,
      ...(this.#runId ? { runId: this.#runId } : {}),
    };
    // Small heaps: a fetch thread makes short-lived garbage only (bodies are ArrayBuffers, outside the heap), and an
    // uncapped old generation grows lazily to tens of MB of RSS per thread before it collects (100,000 URLs: 179 MB
    // growth uncapped, 139 MB with this cap). A thread that still runs out is replaced like one that crashed.
    const worker = new Worker(farSideEntry(import.meta.url, 'fetch-worker'), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: FETCH_THREAD_OLD_GEN_MB },
    });
    const slot: Slot = { index, worker, ready: false, inFlight: new Map() };
    this.#slots[index] = slot;
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: FetchReplyMessage) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          resolve(undefined);
          this.#dispatch(); // requests made before start() resolved leave now
        } else this.#onReply(slot, msg);
      });
      worker.on('error', () => {}); // the exit handler below does the recovery
      worker.once('error', reject);
      worker.on('exit', () => {
        reject(new FanoutError('ECRASH', 'fetch thread exited before it was ready'));
        this.#onExit(slot);
      });
    });
  }

  #onReply(slot: Slot, msg: FetchDoneMessage): void {
    const p = slot.inFlight.get(msg.id);
    if (!p) return;
    slot.inFlight.delete(msg.id);
    this.#inFlight--;
    p.resolve(pooled(msg, `fetch-${slot.index}`));
    this.#dispatch();
  }

  #onExit(slot: Slot): void {
    if (this.#closed || this.#slots[slot.index] !== slot) return;
    const orphans = [...slot.inFlight.values()];
    this.#inFlight -= orphans.length;
    for (const p of orphans) {
      p.crashes++;
      if (p.crashes >= 2) {
        const t = Date.now();
        p.resolve({
          ok: false,
          url: p.url,
          reason: 'fetch thread crashed twice on this URL',
          attempts: 0,
          workerId: `fetch-${slot.index}`,
          startedAt: t,
          endedAt: t,
        });
      } else {
        this.#queue.unshift(p);
      }
    }
    this.#spawn(slot.index).then(
      () => this.#dispatch(),
      () => {
        for (const p of this.#queue.splice(0))
          p.reject(new FanoutError('ECRASH', 'fetch thread could not be restarted'));
      },
    );
    this.#dispatch();
  }
}

/** A runner's reply as the pool hands it on. */
function pooled(reply: RunnerReply, workerId: string): PooledFetchResult {
  return {
    ...reply.result,
    workerId,
    startedAt: reply.startedAt,
    endedAt: reply.endedAt,
    ...(reply.cpuMs === undefined ? {} : { cpuMs: reply.cpuMs }),
    ...(reply.waitMs === undefined ? {} : { waitMs: reply.waitMs }),
  };
}
