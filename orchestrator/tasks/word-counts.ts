/** A word: a maximal run of ASCII letters. Lowercased before counting. */
const WORD = /[A-Za-z]+/g;

/** Counts the words of `text` into `into` (a Map, so words like `constructor` are plain keys). Returns how many. */
export function countWords(text: string, into: Map<string, number>): number {
  let n = 0;
  for (const m of text.matchAll(WORD)) {
    const w = m[0].toLowerCase();
    into.set(w, (into.get(w) ?? 0) + 1);
    n++;
  }
  return n;
}

/** One entry of a top-K list. */
export interface WordCount {
  word: string;
  count: number;
}

/** The `k` most frequent words: count descending, then word ascending, so ties have one right answer. */
export function topWords(counts: Map<string, number>, k: number): WordCount[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, k)
    .map(([word, count]) => ({ word, count }));
}

/**
 * Splits `text` in two at a non-letter character near the middle, so no word is cut and the two halves count to the
 * same totals as the whole. Undefined when the text has no such character (one giant word) or is too short.
 */
export function splitText(text: string): [string, string] | undefined {
  if (text.length < 2) return undefined;
  const mid = text.length >> 1;
  const isLetter = (i: number): boolean => /[A-Za-z]/.test(text[i] as string);
  for (let d = 0; d < mid + 1; d++) {
    for (const i of [mid + d, mid - d]) {
      if (i > 0 && i < text.length && !isLetter(i)) return [text.slice(0, i), text.slice(i)];
    }
  }
  return undefined;
}
