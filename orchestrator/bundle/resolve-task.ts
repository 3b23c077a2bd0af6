import { builtinTasks, loadTask, taskRefFromArg } from '../tasks/registry.js';
import { type AnyTask, isTask, type TaskRef, taskModuleFile } from '../tasks/task.js';
import type { TaskBundle } from './bundle-task.js';

/** A task ready to run: the object the caller merges with, and the reference the far sides load. */
export interface ResolvedTask {
  task: AnyTask;
  ref: TaskRef;
  /** The bundle of a module task (absent for built-ins). */
  bundle?: TaskBundle;
}

/** References of the task objects resolved here, so passing the object again finds the same bundle. */
const refOf = new WeakMap<AnyTask, TaskRef>();

/**
 * Bundles a module reference that has no bundle yet. The reference's `path` becomes the bundle, `source` the user's
 * file, `version` the bundle's hash and `name` the task's name; built-ins and already bundled references pass as is.
 */
async function bundled(ref: TaskRef): Promise<{ ref: TaskRef; bundle?: TaskBundle }> {
  if (ref.kind === 'builtin' || ref.version !== undefined) return { ref };
  // esbuild (and the bundler) load only when a module task is named
  const { bundleTask } = await import('./bundle-task.js');
  const bundle = await bundleTask(ref.path);
  const out: TaskRef = { kind: 'module', path: bundle.file, source: bundle.source, version: bundle.version };
  if (ref.exportName !== undefined) out.exportName = ref.exportName;
  return { ref: out, bundle };
}

/**
 * Finds the task object and the reference the far side loads it by, from a CLI argument (a built-in name or a
 * module path), a {@link TaskRef} or a task object (found again through the file defineTask captured). Module tasks
 * are bundled first (cached by content), and the caller loads the same bundle the far sides will. `bundleObjects:
 * false` (inline) leaves a task object's file unbundled.
 */
export async function resolveTask(
  task: AnyTask | TaskRef | string,
  opts: { bundleObjects?: boolean } = {},
): Promise<ResolvedTask> {
  let ref: TaskRef;
  let instance: AnyTask | undefined;
  if (typeof task === 'string') ref = taskRefFromArg(task);
  else if (isTask(task)) {
    if (builtinTasks.get(task.name) === task) return { task, ref: { kind: 'builtin', name: task.name } };
    const known = refOf.get(task);
    if (known) return { task, ref: known };
    const file = taskModuleFile(task);
    if (!file) return { task, ref: { kind: 'builtin', name: task.name } };
    ref = { kind: 'module', path: file };
    instance = task;
    // inline runs the object itself: no far side needs a bundle (its file may not even be bundleable, e.g. a test)
    if (opts.bundleObjects === false) return { task, ref };
  } else ref = task;
  const { ref: ready, bundle } = await bundled(ref);
  const loaded = instance ?? (await loadTask(ready));
  if (ready.kind === 'module') {
    ready.name = loaded.name;
    refOf.set(loaded, ready);
  }
  return { task: loaded, ref: ready, ...(bundle ? { bundle } : {}) };
}
