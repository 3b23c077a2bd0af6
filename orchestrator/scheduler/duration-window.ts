/**
 * The most recent batch durations, for the median that decides what a straggler is. Bounded, so a run of a million
 * batches keeps a few hundred numbers, not a million.
 */
export class DurationWindow {
  readonly #values: number[] = [];
  readonly #size: number;
  #next = 0;

  /** @param size durations kept. @default 101 */
  constructor(size = 101) {
    this.#size = size;
  }

  /** Adds one duration, replacing the oldest when full. */
  add(ms: number): void {
    if (this.#values.length < this.#size) this.#values.push(ms);
    else this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#size;
  }

  /** Median of the kept durations, or undefined when none. */
  median(): number | undefined {
    if (this.#values.length === 0) return undefined;
    const sorted = [...this.#values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }
}
