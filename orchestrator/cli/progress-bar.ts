import type { CounterValues } from '../accumulators/shared-counters.js';
import { count } from '../plural.js';
import type { FanoutProgress } from '../stats.js';

/**
 * A one-line progress bar on stderr, only when stderr is a TTY (never in --json or piped output), redrawn at most
 * every 100 ms so a run with 100,000 batches does not spend its time printing.
 */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #t0 = Date.now();
  #last = 0;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /** Redraws the bar for a progress snapshot. */
  update(p: FanoutProgress): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#last < 100 && p.done !== p.total) return;
    this.#last = now;
    const width = 30;
    const frac = p.total ? p.done / p.total : 0;
    const filled = p.total ? Math.round(frac * width) : p.done % width;
    const bar = p.total
      ? '#'.repeat(filled) + '-'.repeat(width - filled)
      : `${' '.repeat(filled)}<=>`.padEnd(width + 3);
    const total = p.total ?? '?';
    const secs = ((now - this.#t0) / 1000).toFixed(1);
    this.#stream.write(
      `\r[${bar}] ${p.done}/${total} ${total === 1 ? 'batch' : 'batches'} · ${p.inFlight} in flight · ${count(p.retries, 'retry', 'retries')}${fetchPart(p.stages?.fetch, now - this.#t0)} · ${secs}s `,
    );
    this.#drawn = true;
  }

  /** Writes one line above the bar (clearing it first; the next update redraws it). */
  log(line: string): void {
    if (this.#enabled && this.#drawn) {
      this.#stream.write('\r\x1b[2K');
      this.#drawn = false;
      this.#last = 0;
    }
    this.#stream.write(`${line}\n`);
  }

  /** Clears the bar before the final output. */
  done(): void {
    if (this.#enabled && this.#drawn) this.#stream.write('\r\x1b[2K');
  }
}

/** ` · fetched 120 docs, 3.4 MB (1.2 MB/s)`, from the fetch threads' shared counters; empty without a fetch stage. */
function fetchPart(c: CounterValues | undefined, elapsedMs: number): string {
  if (!c) return '';
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  const rate = elapsedMs > 0 ? ` (${mb((c.bytes * 1000) / elapsedMs)}/s)` : '';
  const failed = c.failed > 0 ? `, ${c.failed} failed` : '';
  return ` · fetched ${c.docs} docs, ${mb(c.bytes)}${rate}${failed}`;
}
