import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FanoutError, inputError } from '../errors.js';
import { fault } from './fault.js';
import { hash } from './hash.js';
import { primes } from './primes.js';
import { sleep } from './sleep.js';
import { type AnyTask, isTask, type TaskRef } from './task.js';
import { wordcount } from './wordcount.js';

/**
 * Built-in tasks by name. The Lambda handler bundles exactly these: a remote caller picks a task by name and never
 * sends code.
 */
export const builtinTasks: ReadonlyMap<string, AnyTask> = new Map<string, AnyTask>(
  [primes, sleep, hash, fault, wordcount].map((t) => [t.name, t]),
);

/**
 * Version of every built-in task: fanout's own release. Built-ins change only with fanout, and the worker function
 * bundles the built-ins of the fanout it was packaged from; after upgrading fanout, redeploy. Keep equal to
 * package.json's version (a unit test checks it).
 */
export const BUILTIN_TASKS_VERSION = 'fanout-0.1.0';

/** The version a reference carries on the wire: the bundle hash of a module, {@link BUILTIN_TASKS_VERSION} otherwise. */
export function taskVersionOf(ref: TaskRef): string {
  return ref.kind === 'builtin' ? BUILTIN_TASKS_VERSION : (ref.version ?? 'unbundled');
}

/**
 * The task's id and version as every request to a far side carries them (`{ task, version, batchId, batch }`): a
 * built-in by name at fanout's version, a module task by the name and hash of its bundle. A module reference must be
 * the resolved one (`resolveTask(…).ref`): an unbundled one has neither.
 */
export function wireTaskOf(ref: TaskRef): { task: string; version: string } {
  if (ref.kind === 'builtin') return { task: ref.name, version: BUILTIN_TASKS_VERSION };
  if (ref.name === undefined || ref.version === undefined) {
    throw new FanoutError('EINTERNAL', `task module ${ref.source ?? ref.path} is not bundled: pass resolveTask(…).ref`);
  }
  return { task: ref.name, version: ref.version };
}

/** True when the CLI argument names a module file rather than a built-in task. */
export function looksLikeModulePath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || /\.(c|m)?[jt]s$/.test(arg);
}

/** Turns a CLI task argument into a {@link TaskRef}, checking that it exists. */
export function taskRefFromArg(arg: string, cwd = process.cwd()): TaskRef {
  if (looksLikeModulePath(arg)) {
    const path = isAbsolute(arg) ? arg : resolve(cwd, arg);
    if (!existsSync(path)) throw inputError(`Task module not found: ${path}`);
    return { kind: 'module', path };
  }
  if (!builtinTasks.has(arg)) {
    throw inputError(
      `Unknown task \`${arg}\`; expected one of ${[...builtinTasks.keys()].join(', ')} or a path to a task module`,
    );
  }
  return { kind: 'builtin', name: arg };
}

const moduleCache = new Map<string, Promise<AnyTask>>();

/** Loads the task a {@link TaskRef} points at. Module tasks: the default export, or the first export that is a task. */
export function loadTask(ref: TaskRef): Promise<AnyTask> {
  if (ref.kind === 'builtin') {
    const task = builtinTasks.get(ref.name);
    return task ? Promise.resolve(task) : Promise.reject(inputError(`Unknown task \`${ref.name}\``));
  }
  const key = `${ref.path}#${ref.exportName ?? ''}`;
  let loading = moduleCache.get(key);
  if (!loading) {
    loading = importTask(ref.path, ref.exportName, ref.source);
    moduleCache.set(key, loading);
    loading.catch(() => moduleCache.delete(key));
  }
  return loading;
}

async function importTask(path: string, exportName?: string, source = path): Promise<AnyTask> {
  let mod: Record<string, unknown>;
  try {
    // bundles are CommonJS (see bundle-task.ts): require gives their exports as written, with no ESM wrapper
    mod = path.endsWith('.cjs')
      ? (createRequire(path)(path) as Record<string, unknown>)
      : ((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (err) {
    const e = inputError(`Cannot load task module ${source}: ${(err as Error).message ?? String(err)}`);
    (e as { cause?: unknown }).cause = err;
    throw e;
  }
  const task = taskExportOf(mod, exportName);
  if (!task) throw inputError(`Task module ${source} does not export a task made with defineTask`);
  return task;
}

/** The task a module exports: `exportName`, else the default export, else `task`, else the first export that is one. */
export function taskExportOf(mod: Record<string, unknown>, exportName?: string): AnyTask | undefined {
  const candidates = exportName ? [mod[exportName]] : [mod.default, mod.task, ...Object.values(mod)];
  return candidates.find(isTask);
}
