import type { AnyTask } from '../tasks/task.js';

/** One task a far side holds: its id, its exact version, and how to load it. */
export interface HeldTask {
  name: string;
  version: string;
  load(): AnyTask | Promise<AnyTask>;
}

/** The tasks a far side holds, and how it names itself in errors. */
export interface TaskShelf {
  /** `the worker function`, `the thread backend`: who says it does not hold a task. */
  readonly holder: string;
  /** What the user does about a stale or missing task (`redeploy (npx sls deploy) or restart the emulator`). */
  readonly remedy: string;
  get(name: string): HeldTask | undefined;
  names(): string[];
}

/** A shelf over a fixed list of tasks (the Lambda handler's built-ins and packaged tasks; a pool's one task). */
export function taskShelf(tasks: readonly HeldTask[], holder: string, remedy: string): TaskShelf {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  return {
    holder,
    remedy,
    get: (name) => byName.get(name),
    names: () => [...byName.keys()],
  };
}

/** A task already loaded, as a {@link HeldTask}. */
export function heldTask(task: AnyTask, version: string): HeldTask {
  return { name: task.name, version, load: () => task };
}
