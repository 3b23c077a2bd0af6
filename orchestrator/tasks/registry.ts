import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputError } from '../errors.js';
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

/** Adds a task to the built-in registry (used by modules that define more built-ins, e.g. wordcount). */
export function registerBuiltinTask(task: AnyTask): void {
  (builtinTasks as Map<string, AnyTask>).set(task.name, task);
}

/** True when the CLI argument names a module file rather than a built-in task. */
export function looksLikeModulePath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || /\.(c|m)?js$/.test(arg);
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
    loading = importTask(ref.path, ref.exportName);
    moduleCache.set(key, loading);
    loading.catch(() => moduleCache.delete(key));
  }
  return loading;
}

async function importTask(path: string, exportName?: string): Promise<AnyTask> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const e = inputError(`Cannot load task module ${path}: ${(err as Error).message ?? String(err)}`);
    (e as { cause?: unknown }).cause = err;
    throw e;
  }
  const candidates = exportName ? [mod[exportName]] : [mod.default, mod.task, ...Object.values(mod)];
  const task = candidates.find(isTask);
  if (!task) throw inputError(`Task module ${path} does not export a task made with defineTask`);
  return task;
}
