/**
 * The set of batch ids an accumulator has merged. Ids are mostly the split index ("0", "1", …): those are kept as bits
 * (1.25 MB for ten million batches, where a Set of strings would take hundreds of MB); any other id (a subdivided
 * batch's "12.1", a user's own) goes to an ordinary Set.
 */
export class BatchIdSet {
  #bits = new Uint8Array(1024);
  readonly #others = new Set<string>();
  #size = 0;

  /** Number of ids in the set. */
  get size(): number {
    return this.#size;
  }

  /** True when `id` is in the set. */
  has(id: string): boolean {
    const n = indexOf(id);
    if (n === undefined) return this.#others.has(id);
    const byte = n >>> 3;
    return byte < this.#bits.length && ((this.#bits[byte] as number) & (1 << (n & 7))) !== 0;
  }

  /** Adds `id`; returns false when it was already there. */
  add(id: string): boolean {
    const n = indexOf(id);
    if (n === undefined) {
      if (this.#others.has(id)) return false;
      this.#others.add(id);
      this.#size++;
      return true;
    }
    const byte = n >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (n & 7);
    if (((this.#bits[byte] as number) & mask) !== 0) return false;
    this.#bits[byte] = (this.#bits[byte] as number) | mask;
    this.#size++;
    return true;
  }

  /** Removes `id`; returns false when it was not there. */
  delete(id: string): boolean {
    if (!this.has(id)) return false;
    const n = indexOf(id);
    if (n === undefined) this.#others.delete(id);
    else this.#bits[n >>> 3] = (this.#bits[n >>> 3] as number) & ~(1 << (n & 7));
    this.#size--;
    return true;
  }
}

/** The integer an id like "42" stands for (no sign, no leading zeros, below 2^31), else undefined. */
function indexOf(id: string): number | undefined {
  if (id.length === 0 || id.length > 10 || (id.length > 1 && id.charCodeAt(0) === 48)) return undefined;
  let n = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n < 2 ** 31 ? n : undefined;
}
