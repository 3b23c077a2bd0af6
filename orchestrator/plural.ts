/**
 * A count with its noun, singular for exactly one: `count(1, 'batch', 'batches')` → `1 batch`, `count(3, …)` →
 * `3 batches`. The plural defaults to the noun + `s`.
 */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}
