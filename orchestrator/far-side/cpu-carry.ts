import { performance } from 'node:perf_hooks';

/**
 * Most wall time, ms, between two readings of the process CPU on a far side that runs batches back to back. A reading
 * (`getrusage`) costs ~3–5 µs in this VM, a fifth of all a child spends on a no-op batch, so batches shorter than this
 * share one reading instead of paying two each.
 */
export const CPU_READ_EVERY_MS = 1;

/** The process's CPU time so far (user + system, every thread), µs. */
function processCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Process CPU readings carried from batch to batch by a far side that runs batches back to back (a child process, where
 * one batch owns the process): the reading that ends one window starts the next, and a window spans as many batches as
 * end within {@link CPU_READ_EVERY_MS} of its start. A batch that closes a window (every batch of 1 ms or more, and
 * the first to end once the window is that old) gets what the window measured minus what the batches before it in the
 * window were given; a batch that ends inside a window is given its share by wall time, at the CPU rate the previous
 * window measured; shares that overshoot a window are taken back from the next. So over any run the batches' CPU adds up
 * to what the process spent (each batch's CPU also holds the few µs of serving since the previous batch ended), and
 * only sub-millisecond batches carry an estimate.
 *
 * {@link reset} when the far side was idle or a batch failed: the next batch then starts a fresh window.
 */
export class CpuCarry {
  /** CPU µs at the window's start; undefined: no window open. */
  #windowCpu: number | undefined;
  /** performance.now() at the window's start. */
  #windowAt = 0;
  /** CPU ms handed out as estimates inside the open window (and any overshoot carried from the last one). */
  #given = 0;
  /** Where the next batch's share begins: the end of the previous batch in this window. */
  #from = 0;
  /** CPU ms per wall ms over the last closed window (1 until one closed). */
  #rate = 1;

  /** Called as a batch starts: opens a window when none is open. */
  begin(): void {
    if (this.#windowCpu !== undefined) return;
    this.#windowAt = performance.now();
    this.#windowCpu = processCpuUs();
    this.#given = 0;
    this.#from = this.#windowAt;
  }

  /** Called as a batch ends (after {@link begin}): the batch's CPU time, ms. */
  end(): number {
    const now = performance.now();
    const start = this.#windowCpu;
    if (start === undefined) throw new Error('CpuCarry.end() without begin()');
    if (now - this.#windowAt < CPU_READ_EVERY_MS) {
      // rounded as a record keeps it, so what the closing batch gets absorbs the rounding too
      const share = Math.round((now - this.#from) * this.#rate * 100) / 100;
      this.#given += share;
      this.#from = now;
      return share;
    }
    const cpu = processCpuUs();
    const windowMs = (cpu - start) / 1000;
    this.#rate = windowMs / (now - this.#windowAt);
    const mine = Math.round((windowMs - this.#given) * 100) / 100;
    this.#windowCpu = cpu;
    this.#windowAt = now;
    // shares that overshot the window (the machine got busier) are taken back from the next one, not dropped
    this.#given = mine < 0 ? -mine : 0;
    this.#from = now;
    return Math.max(0, mine);
  }

  /** Closes the open window without a reading: the next batch starts a new one. */
  reset(): void {
    this.#windowCpu = undefined;
  }
}
