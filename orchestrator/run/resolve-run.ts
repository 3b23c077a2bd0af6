/**
 * The first step of a run: its options checked and defaulted, its task resolved (module tasks bundled) once, and the
 * backend it runs on — made here and owned by the run, or given by the caller and checked to hold the same task.
 */
import { type Backend, type BackendName, sameTaskRef } from '../backends/backend.js';
import { createBackend, parseBackendName } from '../backends/create-backend.js';
import { type ResolvedTask, resolveTask } from '../bundle/resolve-task.js';
import { inputError } from '../errors.js';
import { DEFAULTS, type FanoutOptions, type ResolvedRunOptions, resolveRunOptions } from '../options.js';
import { builtinTasks } from '../tasks/registry.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';

/** A run ready to open: resolved options, the task, and its backend. */
export interface ResolvedRun {
  options: FanoutOptions;
  run: ResolvedRunOptions;
  task: ResolvedTask;
  backend: Backend;
  /** True when the run made the backend: it starts and stops it. */
  owned: boolean;
}

/** Resolves `task` and `options` and finds the backend (see the module doc). */
export async function resolveRun(task: AnyTask | TaskRef | string, options: FanoutOptions): Promise<ResolvedRun> {
  const run = resolveRunOptions(options);
  const given = typeof options.backend === 'object' ? options.backend : undefined;
  const name: BackendName | string = given
    ? given.name
    : parseBackendName((options.backend as BackendName | undefined) ?? DEFAULTS.backend);
  const resolved = await resolveTask(task, { bundleObjects: name !== 'inline' });
  if (given) {
    const started = given.startedTask;
    if (started && !sameTaskRef(started, resolved.ref)) {
      // its workers loaded another task: mapping with that one and merging with this one would be silently wrong
      throw inputError(
        `The ${given.name} backend was started for task ${describeRef(started)}, not ${describeRef(resolved.ref)}; start a backend for this task`,
      );
    }
    return { options, run, task: resolved, backend: given, owned: false };
  }
  if (name !== 'inline' && resolved.ref.kind === 'builtin' && builtinTasks.get(resolved.ref.name) !== resolved.task) {
    throw inputError(
      `Task \`${resolved.task.name}\` was not made with defineTask in a module file; pass its module path`,
    );
  }
  const backend = await createBackend(name as BackendName, { ...options, workers: run.workers });
  return { options, run, task: resolved, backend, owned: true };
}

function describeRef(ref: TaskRef): string {
  return ref.kind === 'builtin' ? `\`${ref.name}\`` : `module ${ref.source ?? ref.path}`;
}
