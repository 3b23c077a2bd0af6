import { BUILTIN_TASKS_VERSION, builtinTasks } from '../tasks/registry.js';
import { type HeldTask, heldTask, type TaskShelf, taskShelf } from './task-shelf.js';

/**
 * The tasks a deployed function holds (the worker and the coordinator alike): every built-in at fanout's version and
 * the `packaged` user tasks at their bundle hash, each loaded on first use.
 */
export function functionShelf(packaged: readonly HeldTask[], holder: string): TaskShelf {
  return taskShelf(
    [
      ...[...builtinTasks.values()].map((t) => heldTask(t, BUILTIN_TASKS_VERSION)),
      ...packaged.map((p): HeldTask => {
        let task: ReturnType<typeof p.load> | undefined;
        return { name: p.name, version: p.version, load: () => (task ??= p.load()) };
      }),
    ],
    holder,
    'redeploy (npx sls deploy) or restart the emulator',
  );
}
