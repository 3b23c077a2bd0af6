/**
 * The task model. A task never knows where it runs: the same object is used inline, in a worker thread, in a child
 * process and inside the Lambda handler. Batches and partials must be JSON-serialisable because they cross thread,
 * process and network boundaries.
 */

import type { CounterValues } from '../accumulators/shared-counters.js';

/** A JSON value. Batches and partials must be made of these. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a task's CLI option is parsed and validated (`boolean`: a flag without a value, `--allow-link-local`). */
export type TaskOptionKind = 'nonNegativeInt' | 'positiveInt' | 'string' | 'boolean';

/** One command-line option of a task (`--limit <n>` for primes). */
export interface TaskOption {
  /** Input property and flag name in kebab-case: `limit` → `--limit`, `max-body` → `--max-body` (key `maxBody`). */
  name: string;
  kind: TaskOptionKind;
  description: string;
  /** Value when the flag is absent; `undefined` makes the option required. */
  default?: number | string | boolean;
}

/** What `split` gets besides the input. */
export interface SplitContext {
  /** Items per batch asked for by the user (`--batch-size`), or undefined for the task's default. */
  batchSize: number | undefined;
  /** Parallel slots of the backend, so a task can choose a batch count that keeps every slot busy. */
  workers: number;
  /** Aborted when the run stops; an async split (a fetch stage) must stop producing. */
  signal?: AbortSignal;
  /**
   * A fresh random id per `fanout()` call. A stage that talks to servers sends it (the fetch stage: header
   * `x-fanout-run`), so a server can tell runs apart; fanout's docs server keys its fault plan by it.
   */
  runId?: string;
  /** Records an item of an earlier pipeline stage (e.g. one fetch) for the stats and the timeline. */
  record?(record: StageRecord): void;
  /** Reports an input item that failed for good without failing the run (listed in `stats.failed`). */
  fail?(item: string, reason: string): void;
  /**
   * True when the run is journaled: the same input must give the same batches in the same order every time (batch
   * ids are positions in the split), so a split that groups items as they arrive (wordcount's fetch stage) must group
   * them by position instead.
   */
  reproducible?: boolean;
  /**
   * On a resumed run: true when the batch at `position` (0, 1, …) was merged before. The split may yield anything in
   * its place (an empty batch): fanout drops it unrun. Lets a pipeline skip the I/O of finished batches.
   */
  merged?(position: number): boolean;
  /**
   * Registers the live counters of a stage that runs inside split (the fetch stage's shared counters): fanout reads
   * them for the progress line as the stage goes and for `stats.stages[stage]` at the end.
   */
  counters?(stage: string, read: () => CounterValues): void;
  /**
   * Starts the run's clock (time 0 of the timeline and of `wallMs`) now, if the backend is not ready yet. fanout calls
   * `split` while the backend is still starting, so a pipeline stage can do its I/O meanwhile (the fetch stage boots
   * its threads, reads the list, and fetches); it calls this just before its first timed work, so no record predates
   * the run and the time it overlapped with the backend's start counts. Otherwise the clock starts when the backend is
   * ready. Later calls do nothing.
   */
  begin?(): void;
}

/** One item of a pipeline stage that runs inside `split` (e.g. a fetch), for stats and the timeline. */
export interface StageRecord {
  stage: string;
  item: string;
  workerId: string;
  /** ms since epoch */
  startedAt: number;
  endedAt: number;
  cpuMs?: number;
  /** Time the worker waited for a core during the item (a loaded machine), ms; busy time minus this is its own. */
  waitMs?: number;
  attempt?: number;
  status: 'ok' | 'error';
  error?: string;
}

/** What `map` gets besides the batch. */
export interface MapContext {
  /** Aborted when the batch is cancelled or timed out; long async maps should honour it. */
  signal: AbortSignal;
}

/** A task: split input into batches, map each batch to a partial, merge partials into the result. */
export interface Task<I = unknown, B = unknown, P = unknown, R = unknown> {
  /** Registry name; for user modules, the name reported in stats. */
  readonly name: string;
  readonly description?: string;
  /** CLI options, turned into the input object by the CLI. */
  readonly options?: readonly TaskOption[];
  /** Splits the input into JSON-serialisable batches. Every input item must land in exactly one batch. */
  split(input: I, ctx: SplitContext): Iterable<B> | AsyncIterable<B>;
  /** Computes the partial result of one batch. Runs wherever the backend puts it. */
  map(batch: B, ctx: MapContext): P | Promise<P>;
  /** The empty result. */
  init(): R;
  /**
   * Folds one partial into the accumulated result. Must not depend on arrival order. May be async (merging into a file
   * or a database): merges always run on the caller's side, one at a time, each batch once, and fanout stops
   * dispatching new batches while as many merges as the backend has slots are still pending.
   */
  merge(acc: R, partial: P): R | Promise<R>;
  /**
   * Optional: how many batches `split` yields for this input, when that is cheap to know without splitting (the
   * progress total before the split has run out). Must agree with `split`.
   */
  countBatches?(input: I, ctx: SplitContext): number;
  /** Optional: splits one batch into smaller ones whose partials merge to the same result (oversize payloads). */
  subdivide?(batch: B): B[];
  /**
   * Optional: turns the merged state into the result the caller sees, once every batch is merged (e.g. word counts →
   * top K). Absent: the merged state is the result.
   */
  finalize?(acc: R, input: I): unknown;
}

/** Any task, with its type parameters erased. */
// biome-ignore lint/suspicious/noExplicitAny: erased generic task used by the engine
export type AnyTask = Task<any, any, any, any>;

/**
 * Declares a task. Identity at run time; it exists for type inference and so user modules have one thing to export.
 *
 * @example
 * export default defineTask({ name: 'squares', split: (n) => [...], map: (b) => ..., init: () => 0, merge: (a, p) => a + p });
 */
export function defineTask<I, B, P, R>(task: Task<I, B, P, R>): Task<I, B, P, R> {
  const file = callerFile(new Error().stack);
  if (file) definedIn.set(task, file);
  return task;
}

/** Module file each task was defined in, so threads and child processes can import the same module. */
const definedIn = new WeakMap<object, string>();

/** The file a task was defined in (captured by {@link defineTask}), if known. */
export function taskModuleFile(task: object): string | undefined {
  return definedIn.get(task);
}

/** The first stack frame outside this file: the module that called defineTask. */
function callerFile(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+\.[cm]?[jt]s)(?::\d+){0,2}\)?\s*$/.exec(line.trim());
    if (m?.[1] && !m[1].includes('/tasks/task.')) {
      return m[1].startsWith('file://') ? new URL(m[1]).pathname : m[1];
    }
  }
  return undefined;
}

/** True when `value` looks like a task (used to check user modules). */
export function isTask(value: unknown): value is AnyTask {
  if (value === null || typeof value !== 'object') return false;
  const t = value as Record<string, unknown>;
  return (
    typeof t.name === 'string' &&
    typeof t.split === 'function' &&
    typeof t.map === 'function' &&
    typeof t.init === 'function' &&
    typeof t.merge === 'function'
  );
}

/**
 * How the far side (thread, child, Lambda) finds the task: a built-in by name, or a user module by absolute path.
 * Once resolved, a module's `path` is its bundle (the one artifact every backend loads), `source` the user's file and
 * `version` the bundle's hash; `name` is the task's name (its id on the wire).
 */
export type TaskRef =
  | { kind: 'builtin'; name: string }
  | { kind: 'module'; path: string; exportName?: string; source?: string; version?: string; name?: string };
