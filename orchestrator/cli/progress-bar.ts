import { count } from '../plural.js';
import type { SchedulerProgress } from '../scheduler/scheduler.js';

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
  update(p: SchedulerProgress): void {
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
      `\r[${bar}] ${p.done}/${total} ${total === 1 ? 'batch' : 'batches'} · ${p.inFlight} in flight · ${count(p.retries, 'retry', 'retries')} · ${secs}s `,
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
