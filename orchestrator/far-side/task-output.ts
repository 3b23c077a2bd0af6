/**
 * What a task's map writes to stdout and stderr, captured per batch on the far side so it travels back with the reply
 * (or the error) on every backend alike. On Lambda nothing else would bring it back: the emulator's log is swallowed
 * and AWS sends it to CloudWatch, so capture happens here, inside the handler, the same on the emulator and on AWS.
 *
 * Attribution uses AsyncLocalStorage, not a "current batch" variable: several batches can be in one far side at once
 * (async maps overlapping on the inline backend, an emulator instance), and a timer a map left behind can fire during
 * the next batch. Each write is filed under the batch whose async context made it; a write from a batch that has
 * already answered, or from outside any batch, goes where it would have gone without capture.
 *
 * Both `process.stdout.write`/`process.stderr.write` and the console's methods are wrapped: Lambda's Node runtime
 * replaces the console with one that writes to its log file descriptor directly, past the streams.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import type { TaskOutput } from './wire.js';

/** Most bytes (UTF-8) of one batch's output kept; the rest is counted in `cutBytes` and left out. */
export const TASK_OUTPUT_CAP_BYTES = 8192;

/** One batch's capture: the text kept so far, the bytes cut, and whether the batch is still running. */
class Capture {
  readonly #chunks: string[] = [];
  #bytes = 0;
  #cut = 0;
  open = true;

  write(text: string): void {
    const bytes = Buffer.byteLength(text);
    // once anything was cut, so is everything after it: what is kept is always a prefix of what was written
    const room = this.#cut > 0 ? 0 : TASK_OUTPUT_CAP_BYTES - this.#bytes;
    if (bytes <= room) {
      this.#chunks.push(text);
      this.#bytes += bytes;
      return;
    }
    if (room > 0) {
      const head = utf8Head(text, room);
      this.#chunks.push(head);
      const kept = Buffer.byteLength(head);
      this.#bytes += kept;
      this.#cut += bytes - kept;
    } else {
      this.#cut += bytes;
    }
  }

  /** What was captured, or undefined when the batch wrote nothing. */
  close(): TaskOutput | undefined {
    this.open = false;
    if (this.#bytes === 0 && this.#cut === 0) return undefined;
    return { text: this.#chunks.join(''), ...(this.#cut > 0 ? { cutBytes: this.#cut } : {}) };
  }
}

/** The longest prefix of `text` that is at most `maxBytes` of UTF-8, never splitting a character. */
function utf8Head(text: string, maxBytes: number): string {
  let head = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8');
  // a character cut in half decodes as U+FFFD (3 bytes), which may not fit
  while (Buffer.byteLength(head) > maxBytes || head.endsWith('\uFFFD')) head = head.slice(0, -1);
  return head;
}

const batches = new AsyncLocalStorage<Capture>();
/** Output of a failed batch, by its error (an object the task threw), for the error's way back. */
const errorOutput = new WeakMap<object, TaskOutput>();
let installed = false;
/** Batches being captured right now in this thread (more than one where async maps overlap). */
let running = 0;

/** Set once the process is exiting: what its `exit` listeners write is the caller's, whichever context they run in. */
let exiting = false;

/** The capture of a synchronous map while it runs (see {@link MapShape}): nothing else can run meanwhile. */
let slot: Capture | undefined;

/** The capture of the batch whose async context this is, while that batch runs. */
function current(): Capture | undefined {
  if (exiting) return undefined;
  if (slot) return slot;
  const capture = batches.getStore();
  return capture?.open ? capture : undefined;
}

type Write = typeof process.stdout.write;

function textOf(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') {
    return typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8'
      ? Buffer.from(chunk, encoding as BufferEncoding).toString('utf8')
      : chunk;
  }
  const bytes = chunk as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Console methods that print (the rest keep no output of their own). */
const CONSOLE_METHODS = [
  'log',
  'info',
  'debug',
  'warn',
  'error',
  'trace',
  'dir',
  'dirxml',
  'table',
  'assert',
  'count',
  'countReset',
  'time',
  'timeLog',
  'timeEnd',
  'group',
  'groupCollapsed',
  'groupEnd',
] as const;

/** Wraps the streams' write and the console's methods once per thread; outside a running batch they act as before. */
function install(): void {
  if (installed) return;
  installed = true;
  // A map that calls process.exit() runs the exit listeners in its own context; on inline they are the caller's own
  // (the CLI says the task exited), so they must reach the terminal, not a batch's output that will never be sent.
  process.prependListener('exit', () => {
    exiting = true;
  });
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function write(this: unknown, ...args: unknown[]): boolean {
      const capture = current();
      if (!capture) return Reflect.apply(original, this ?? stream, args) as boolean;
      const [chunk, encoding, cb] = args;
      capture.write(textOf(chunk, encoding));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as (err?: Error | null) => void)(null));
      return true;
    } as Write;
  }
  // formats exactly as the console would (util.format, inspect, tables), into the running batch's capture
  const sink = { write: (chunk: string) => void current()?.write(chunk) };
  const captured = new Console({
    stdout: sink as unknown as NodeJS.WritableStream,
    stderr: sink as unknown as NodeJS.WritableStream,
    ignoreErrors: false,
  });
  const target = globalThis.console as unknown as Record<string, (...args: unknown[]) => void>;
  const into = captured as unknown as Record<string, (...args: unknown[]) => void>;
  for (const method of CONSOLE_METHODS) {
    const original = target[method];
    const mine = into[method];
    if (typeof original !== 'function' || typeof mine !== 'function') continue;
    target[method] = (...args: unknown[]): void => {
      if (current()) mine.apply(captured, args);
      else original.apply(globalThis.console, args);
    };
  }
}

/** Whether a switch-off of the storage is queued (see {@link switchOffSoon}). */
let offQueued = false;

/**
 * Between batches nothing needs a context: switching the storage off then spares the far side's own promises (the serve
 * loop, the IPC) the async hooks. But not between two batches served back to back in one turn of the event loop (a
 * worker draining its queue of tiny batches): there, switching the promise hooks off and on again for every batch cost
 * more than the hooks (Node 20 rebuilds them each time). So the switch-off waits for the loop's next turn and happens
 * only if no batch runs then. Resources a batch made keep its capture either way, so a timer it left behind still finds
 * it closed later, never another batch's.
 */
function switchOffSoon(): void {
  if (offQueued) return;
  offQueued = true;
  setImmediate(() => {
    offQueued = false;
    if (running === 0) batches.disable();
  }).unref();
}

/**
 * What a far side has learnt about a task's map: whether it last returned without a promise. A synchronous map runs to
 * its end inside the call, so a slot set around the call files its writes exactly and Node 20's async hooks stay off:
 * AsyncLocalStorage costs about a fifth of the CPU of a tiny batch (bench: 20,000 no-op batches on the thread
 * backend). A map that turns out async in that mode has its writes after its first `await` go where they would without
 * capture (never to another batch), and the next batch of the task is captured with AsyncLocalStorage again.
 */
export interface MapShape {
  sync: boolean;
}

/**
 * Runs `run` (one batch's map) with its output captured: resolves with its value and what it wrote; when it throws,
 * the output goes with the error (see {@link taskOutputOf}) and the error is rethrown. A thrown non-object becomes an
 * Error with the same message so its output can travel with it. `shape`: see {@link MapShape}.
 */
export async function captureTaskOutput<T>(
  run: () => Promise<T>,
  shape?: MapShape,
): Promise<{ value: T; output?: TaskOutput }> {
  install();
  const capture = new Capture();
  let value: T;
  const isolated = shape?.sync !== true;
  if (isolated) running++;
  try {
    if (isolated) value = await batches.run(capture, run);
    else {
      slot = capture;
      let pending: Promise<T>;
      try {
        pending = run();
      } finally {
        slot = undefined;
      }
      value = await pending;
    }
  } catch (err) {
    const output = capture.close();
    if (!output) throw err;
    const error = typeof err === 'object' && err !== null ? err : new Error(String(err));
    errorOutput.set(error, output);
    throw error;
  } finally {
    if (isolated && --running === 0) switchOffSoon();
  }
  const output = capture.close();
  return output ? { value, output } : { value };
}

/** The output of the batch that threw `err`, when it wrote any. */
export function taskOutputOf(err: unknown): TaskOutput | undefined {
  return typeof err === 'object' && err !== null ? errorOutput.get(err) : undefined;
}
