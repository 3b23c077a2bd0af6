/**
 * Work (ms of map time) a worker's queue should hold while batches are short: enough that a round trip (0.1–1 ms here)
 * never leaves it idle, little enough that the end of a run is not left on one worker for long.
 */
const QUEUED_WORK_MS = 4;

/** Depth for batches that are not tiny: the one running plus one queued. */
export const LONG_BATCH_DEPTH = 2;

/**
 * How many batches each worker of a pool holds (running + queued), chosen from the measured map time: enough batches
 * for {@link QUEUED_WORK_MS} of work, within [{@link LONG_BATCH_DEPTH}, the configured depth]. Tiny batches (far under
 * a round trip) get the full depth, and so go out up to depth/2 to a message (automatic batching); each keeps its own
 * seq, reply and record. Batches of 2 ms and more get {@link LONG_BATCH_DEPTH}: one queued batch already hides the
 * round trip, and a deeper queue would only commit batches to a worker early, leaving another idle at the end of a run
 * while this one still holds work (nothing steals it back). Unmeasured counts as long.
 */
export class QueueDepth {
  readonly #max: number;
  /** Depth in use now, ≤ the configured one. */
  now: number;
  /** A worker is topped up once its queue is down to this (half the depth): the gap goes out in one message. */
  refillAt: number;
  /** Moving average of the far side's map time per batch, ms; undefined until a batch has finished. */
  #mapMs: number | undefined;

  constructor(max: number) {
    this.#max = max;
    this.now = Math.min(max, LONG_BATCH_DEPTH);
    this.refillAt = Math.floor(this.now / 2);
  }

  /** A batch's map took `mapMs` on the far side. */
  measured(mapMs: number): void {
    this.#mapMs = this.#mapMs === undefined ? mapMs : this.#mapMs + 0.2 * (mapMs - this.#mapMs);
    const wanted = Math.ceil(QUEUED_WORK_MS / Math.max(this.#mapMs, 0.001));
    const depth = Math.min(this.#max, Math.max(LONG_BATCH_DEPTH, wanted));
    if (depth === this.now) return;
    this.now = depth;
    this.refillAt = Math.floor(depth / 2);
  }
}
