import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';
import { taskVersionOf } from '../tasks/registry.js';
import type { TaskRef } from '../tasks/task.js';

/**
 * What makes two runs the same run, so a journal of one may finish the other: the same task (id and version), the
 * same input and the same batch layout. Batch ids are the split's positions (`0`, `1`, … and `3.0`, `3.1` for a
 * subdivided batch), so everything that moves batches is part of it: the batch size and the payload limit that
 * subdivides. `splitWorkers` (what a task's default batch size may depend on) is not compared: a resume uses the
 * journal's value, so it may run on another backend.
 */
export interface RunIdentity {
  /** `builtin:<name>` or `module:<absolute path>[#export]`. */
  task: string;
  /** The task's version, as the far side checks it (see `taskVersionOf`); `sha256:<hex>` of an unbundled module file. */
  version: string;
  /** The input as canonical JSON (keys sorted). */
  input: string;
  /** `--batch-size`, or null for the task's default. */
  batchSize: number | null;
  /** The backend's payload limit that subdivides oversize batches (Lambda), or null. */
  maxPayloadBytes: number | null;
  /** `workers` the split was given (a default batch size may depend on it); resumes reuse it. */
  splitWorkers: number;
}

/** The fields of {@link RunIdentity} that must match for a journal to finish a run. */
const COMPARED = ['task', 'version', 'input', 'batchSize', 'maxPayloadBytes'] as const;

/** The id of a task as the journal names it. */
export function taskId(ref: TaskRef): string {
  return ref.kind === 'builtin'
    ? `builtin:${ref.name}`
    : `module:${ref.source ?? ref.path}${ref.exportName ? `#${ref.exportName}` : ''}`;
}

/**
 * The version of a task. Built-ins change only with fanout itself; a module task is identified by the sha256 of its
 * file, so an edited module never resumes an old journal. (A version computed from the task's bundle can replace this
 * function's body without touching its callers.)
 */
export function taskVersion(ref: TaskRef): string {
  // the version the far side checks (EVERSION): built-ins at fanout's version, modules at their bundle's hash
  if (ref.kind === 'builtin' || ref.version !== undefined) return taskVersionOf(ref);
  return `sha256:${createHash('sha256').update(readFileSync(ref.path)).digest('hex')}`;
}

/** The one place a run's identity is computed: from the task's id and version string, the input and the split. */
export function runIdentity(
  id: string,
  version: string,
  input: unknown,
  split: { batchSize: number | undefined; maxPayloadBytes: number | undefined; workers: number },
): RunIdentity {
  return {
    task: id,
    version,
    input: canonicalJson(input),
    batchSize: split.batchSize ?? null,
    maxPayloadBytes: split.maxPayloadBytes ?? null,
    splitWorkers: split.workers,
  };
}

/** The first field in which `journal` and `run` differ, as a phrase for the error line; undefined when they match. */
export function identityMismatch(journal: RunIdentity, run: RunIdentity): string | undefined {
  for (const key of COMPARED) {
    if (journal[key] !== run[key]) {
      return `its ${key === 'maxPayloadBytes' ? 'payload limit (backend)' : key} is ${clip(journal[key])}, this run's is ${clip(run[key])}`;
    }
  }
  return undefined;
}

function clip(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return `\`${s.length > 80 ? `${s.slice(0, 77)}…` : s}\``;
}

/** JSON with object keys sorted; refuses what JSON cannot hold (an iterable of URLs, a function, a cycle). */
function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw unjournalable(path, String(v));
      return v;
    }
    if (v === undefined) return undefined;
    if (typeof v !== 'object') throw unjournalable(path, typeof v);
    if (seen.has(v)) throw unjournalable(path, 'a cycle');
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map((x, i) => walk(x, `${path}[${i}]`) ?? null);
    else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw unjournalable(path, proto?.constructor?.name ?? 'object');
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = walk((v as Record<string, unknown>)[k], `${path}.${k}`);
        if (x !== undefined) o[k] = x;
      }
      out = o;
    }
    seen.delete(v);
    return out;
  };
  return JSON.stringify(walk(value, 'input')) ?? 'null';
}

function unjournalable(path: string, what: string): Error {
  return inputError(`Expected a JSON input to journal the run, got ${what} at \`${path}\``);
}
