import type { StageRecord } from '../tasks/task.js';
import type { FetchOptions } from './fetch-options.js';
import { FetchPool, type PooledFetchResult } from './fetch-pool.js';
import type { UrlItem } from './url-list.js';

/** One fetched document as the CPU stage gets it. */
export interface FetchedDoc {
  url: string;
  text: string;
}

/** A CPU batch: documents grouped as they arrive. */
export interface DocBatch {
  docs: FetchedDoc[];
}

/** Options of {@link fetchDocBatches}. */
export interface FetchStageOptions {
  fetch?: FetchOptions;
  /** Most documents per batch. @default 32 */
  maxBatchDocs?: number;
  /** Most text bytes per batch (a single larger document still makes its own batch). @default 1 MiB */
  maxBatchBytes?: number;
  /**
   * Complete batches buffered ahead of the CPU stage; when full (and {@link maxReadyBytes} too), no new fetch starts.
   * @default 2
   */
  maxReadyBatches?: number;
  /**
   * Text bytes of complete batches that may wait beyond {@link maxReadyBatches}: fetching goes on at full speed while
   * the CPU stage is not there yet (its workers boot) or slower, up to this much memory. @default 16 MiB
   */
  maxReadyBytes?: number;
  /** When the CPU stage waits, a partial batch is released once its first document is this old, ms. @default 20 */
  lingerMs?: number;
  signal?: AbortSignal;
  /** Id of the run, sent with every request (see SplitContext.runId). */
  runId?: string;
  /** Called once per URL with its fetch (all its attempts) as one stage record. */
  record?(r: StageRecord): void;
  /** Called for every entry that failed for good. */
  fail?(item: string, reason: string): void;
  /** Batch positions already merged (a resumed run): their entries are read but not fetched. Ordered stage only. */
  skip?(position: number): boolean;
  /** Called with the pool once it is started: its shared counters are the stage's live progress and totals. */
  onPool?(pool: FetchPool): void;
  /**
   * Called once, just before the first request leaves (the threads are up; entries read meanwhile are waiting): the
   * stage's work begins now (SplitContext.begin).
   */
  onFirstRequest?(): void;
}

/** Default of {@link FetchStageOptions.maxReadyBytes}: 16 MiB. */
const DEFAULT_MAX_READY_BYTES = 16 * 1024 * 1024;

/**
 * The fetch stage of a pipeline: reads URL entries, fetches them in a {@link FetchPool} and yields documents grouped
 * into CPU batches as they arrive.
 *
 * Backpressure: the stage keeps at most `concurrency` fetches in flight and `maxReadyBatches` finished batches waiting
 * (more only while they hold under `maxReadyBytes`); it reads the next URL only when both have room. A consumer that pulls only when a CPU slot is free (the scheduler)
 * therefore bounds memory however long the URL list is.
 */
export async function* fetchDocBatches(
  source: AsyncIterable<UrlItem>,
  opts: FetchStageOptions = {},
): AsyncGenerator<DocBatch> {
  const maxDocs = opts.maxBatchDocs ?? 32;
  const maxBytes = opts.maxBatchBytes ?? 1024 * 1024;
  const maxReady = Math.max(1, opts.maxReadyBatches ?? 2);
  const maxReadyBytes = opts.maxReadyBytes ?? DEFAULT_MAX_READY_BYTES;
  const lingerMs = opts.lingerMs ?? 20;
  const signal = opts.signal;
  const pool = new FetchPool(opts.fetch, opts.runId);
  const decoder = new TextDecoder('utf-8');
  const it = source[Symbol.asyncIterator]();
  const ready: DocBatch[] = [];
  /** Text bytes of each batch in `ready`, and their sum. */
  const readySizes: number[] = [];
  let readyBytes = 0;
  let pending: FetchedDoc[] = [];
  let pendingBytes = 0;
  let pendingSince = 0;
  let inFlight = 0;
  let reading = false;
  let sourceDone = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  /** URLs read while the threads boot, sent the moment they are up. */
  let early: string[] | undefined = [];

  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const flush = (): void => {
    if (pending.length === 0) return;
    ready.push({ docs: pending });
    readySizes.push(pendingBytes);
    readyBytes += pendingBytes;
    pending = [];
    pendingBytes = 0;
  };
  const onFetched = (r: PooledFetchResult): void => {
    inFlight--;
    opts.record?.(fetchRecord(r));
    if (r.ok) {
      // The body arrived by transfer; decoding is the one copy the JSON batch needs anyway.
      const text = decoder.decode(r.body);
      if (pending.length === 0) pendingSince = Date.now();
      pending.push({ url: r.url, text });
      pendingBytes += r.body.byteLength;
      if (pending.length >= maxDocs || pendingBytes >= maxBytes) flush();
    } else {
      opts.fail?.(r.url, r.reason);
    }
    notify();
    fill();
  };
  const onError = (err: unknown): void => {
    failure ??= { error: err };
    notify();
  };
  const launch = (url: string): void => {
    inFlight++;
    // No per-request signal: on abort the consumer throws and `finally` closes the pool, ending every fetch.
    if (early) early.push(url);
    else pool.fetch(url).then(onFetched, onError);
  };
  const fill = (): void => {
    while (
      !reading &&
      !sourceDone &&
      !failure &&
      inFlight < pool.options.concurrency &&
      (ready.length < maxReady || readyBytes < maxReadyBytes)
    ) {
      reading = true;
      it.next().then((step) => {
        reading = false;
        if (step.done) {
          sourceDone = true;
        } else if ('url' in step.value) {
          launch(step.value.url);
        } else {
          opts.fail?.(step.value.item, step.value.reason);
        }
        notify();
        fill();
      }, onError);
    }
  };

  try {
    // the threads boot while the list is read; what was read goes out the moment they are up
    fill();
    await pool.start();
    opts.onPool?.(pool);
    opts.onFirstRequest?.();
    const held = early ?? [];
    early = undefined;
    for (const url of held) pool.fetch(url).then(onFetched, onError);
    fill();
    for (;;) {
      if (failure) throw failure.error;
      signal?.throwIfAborted();
      const next = ready.shift();
      if (next) {
        readyBytes -= readySizes.shift() ?? 0;
        fill();
        yield next;
        continue;
      }
      if (sourceDone && inFlight === 0 && !reading) {
        flush();
        if (ready.length > 0) continue;
        return;
      }
      // The consumer is waiting: rather than leave a CPU slot idle, release a partial batch once it has lingered.
      const age = Date.now() - pendingSince;
      if (pending.length > 0 && age >= lingerMs) {
        flush();
        continue;
      }
      await waitFor(pending.length > 0 ? lingerMs - age : undefined);
    }
  } finally {
    await pool.close();
    await it.return?.();
  }

  function waitFor(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      wake = done;
    });
  }
}

/** The timeline record of one fetch (both fetch stages, arrival-ordered and list-ordered, report the same). */
export function fetchRecord(r: PooledFetchResult): StageRecord {
  return {
    stage: 'fetch',
    item: r.url,
    workerId: r.workerId,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    attempt: Math.max(1, r.attempts),
    ...(r.cpuMs === undefined ? {} : { cpuMs: r.cpuMs }),
    ...(r.waitMs === undefined ? {} : { waitMs: r.waitMs }),
    status: r.ok ? 'ok' : 'error',
    ...(r.ok ? {} : { error: r.reason }),
  };
}
