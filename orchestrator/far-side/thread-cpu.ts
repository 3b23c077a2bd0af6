import { readFileSync } from 'node:fs';

/**
 * CPU time of the calling OS thread, for the places where `process.cpuUsage()` would count every thread of the process:
 * a thread backend's worker, a fetch thread, serverless-offline's instances. Node 20 has no `process.threadCpuUsage`.
 *
 * Why not just /proc/thread-self/schedstat: the kernel brings a thread's `sum_exec_runtime` up to date only at a
 * scheduler tick or a context switch, and reading the file does not update it. A batch of 1 ms inside one tick reads as
 * 0 ms (measured here: 149 of 200 half-millisecond spins read 0, and 100 small primes batches summed to a third of
 * their CPU). `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` does update it first, and Node reaches that call through WASI's
 * `clock_time_get` (uvwasi maps the thread CPU clock to it): a six-instruction WebAssembly module below, ~1 µs a call.
 */

/** Reads the thread's CPU clock in ns. */
type Clock = () => number;

/**
 * The smallest module that calls `wasi_snapshot_preview1.clock_time_get(3 = thread CPU time, precision 1, &out)` and
 * returns the u64 it wrote at address 0:
 * `(func (export "now") (result i64) (drop (call $clock_time_get (i32.const 3) (i64.const 1) (i32.const 0))) (i64.load (i32.const 0)))`
 */
function clockModule(): Uint8Array {
  const text = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
  const section = (id: number, body: number[]): number[] => [id, body.length, ...body];
  const code = [0x00, 0x41, 0x03, 0x42, 0x01, 0x41, 0x00, 0x10, 0x00, 0x1a, 0x41, 0x00, 0x29, 0x03, 0x00, 0x0b];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: (i32 i64 i32) -> i32, () -> i64
    ...section(0x01, [0x02, 0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7e]),
    ...section(0x02, [0x01, ...text('wasi_snapshot_preview1'), ...text('clock_time_get'), 0x00, 0x00]),
    ...section(0x03, [0x01, 0x01]),
    ...section(0x05, [0x01, 0x00, 0x01]),
    ...section(0x07, [0x02, ...text('memory'), 0x02, 0x00, ...text('now'), 0x00, 0x01]),
    ...section(0x0a, [0x01, code.length, ...code]),
  ]);
}

/**
 * Loads `node:wasi` without its one-time ExperimentalWarning: the clock is all fanout uses of it, and the warning would
 * land on the user's stderr from every thread.
 */
function loadWasi(): typeof import('node:wasi') {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/WASI/.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    // getBuiltinModule, not a static import: the warning fires on load, and the Lambda bundle (CJS) has no import.meta
    return process.getBuiltinModule('node:wasi');
  } finally {
    process.emitWarning = emit;
  }
}

/** The WebAssembly global, typed as far as this file uses it (the Node typings here ship no WebAssembly namespace). */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

function wasiClock(): Clock | undefined {
  try {
    const { WASI } = loadWasi();
    const wasi = new WASI({ version: 'preview1' });
    const instance = new wasm.Instance(new wasm.Module(clockModule()), wasi.getImportObject());
    wasi.initialize(instance);
    const now = instance.exports.now as () => bigint;
    const first = now();
    // errno ≠ 0 leaves the zeroed memory untouched: a clock that reads 0 after the thread has run is no clock
    if (typeof first !== 'bigint' || first <= 0n) return undefined;
    return () => Number(now());
  } catch {
    return undefined;
  }
}

function schedstatClock(): Clock | undefined {
  const read = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
  try {
    return Number.isFinite(read()) ? read : undefined;
  } catch {
    return undefined;
  }
}

/** The clock of this thread, picked on first use (null: none on this platform). */
let clock: Clock | null | undefined;

/**
 * CPU time of the calling OS thread so far, ns: exact from `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, else Linux's
 * tick-granular schedstat, else undefined (then the caller says the figure was not measured).
 */
export function threadCpuNs(): number | undefined {
  if (clock === undefined) clock = wasiClock() ?? schedstatClock() ?? null;
  return clock ? clock() : undefined;
}

/**
 * Time the calling thread has spent runnable but waiting for a core, ns (Linux schedstat's `run_delay`, brought up to
 * date each time the thread gets a core, so it is current whenever the thread itself reads it); undefined elsewhere.
 * On a loaded machine this is what makes a busy thread look idle: wall time it wanted a core and had none.
 */
export function threadRunDelayNs(): number | undefined {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 2)[1]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reading schedstat is a file open/read/close (tens of µs, far more on a loaded machine), against ~1 µs for the CPU
 * clock: a fetch thread answering thousands of requests a second reads it at most this often.
 */
const WAIT_READ_EVERY_MS = 5;

/** One window of {@link ThreadCpuWindow}: CPU time, and time spent waiting for a core (where Linux says). */
export interface CpuWindow {
  cpuMs: number;
  waitMs?: number;
}

/**
 * The thread's CPU time in consecutive windows: each {@link ThreadCpuWindow.take} returns the ms spent since the
 * previous one. Where one thread serves many overlapping requests on its event loop (a fetch thread), no per-request
 * delta is right, but these windows tile the thread's busy time: summed over its replies, nothing is dropped or
 * counted twice. {@link ThreadCpuWindow.restart} at the start of a busy period leaves the idle gap before it out (an
 * idle thread spends no CPU, but on a loaded machine it can wait long for a core once woken, before any work starts).
 */
export class ThreadCpuWindow {
  #cpu: number | undefined;
  #wait: number | undefined;
  /** When the run-queue delay was last read (performance.now()), see {@link WAIT_READ_EVERY_MS}. */
  #waitReadAt = Number.NEGATIVE_INFINITY;

  /** Starts the first window now. */
  constructor() {
    this.restart();
  }

  /** Starts a new window now, dropping whatever the current one holds. */
  restart(): void {
    this.#cpu = threadCpuNs();
    // a baseline read under WAIT_READ_EVERY_MS ago is kept: the idle gap since then is too short to matter
    if (this.#due()) this.#wait = this.#readWait();
  }

  /** The window since the previous call (or construction); undefined when the thread's CPU cannot be read. */
  take(): CpuWindow | undefined {
    const cpu = threadCpuNs();
    const ms = (to: number, from: number): number => Math.round((to - from) / 1e3) / 1e3;
    const out = cpu === undefined || this.#cpu === undefined ? undefined : { cpuMs: ms(cpu, this.#cpu) };
    this.#cpu = cpu;
    if (out && this.#due()) {
      // a skipped read is no loss: the next one reports the wait since the last, so the sum stays exact
      const before = this.#wait;
      this.#wait = this.#readWait();
      if (before !== undefined && this.#wait !== undefined) return { ...out, waitMs: ms(this.#wait, before) };
    }
    return out;
  }

  #due(): boolean {
    return performance.now() - this.#waitReadAt >= WAIT_READ_EVERY_MS;
  }

  #readWait(): number | undefined {
    this.#waitReadAt = performance.now();
    return threadRunDelayNs();
  }
}
