import { type ChildProcess, fork } from 'node:child_process';
import { farSideFolderEntry } from '../../far-side/entry-path.js';
import type { TaskRef } from '../../tasks/task.js';

/**
 * Forks one far-side child running `entry`. With `ref`, it loads that task at once (argv); without, it boots and waits
 * for a `load` message naming the task (an early child, below).
 *
 * stdout → our stderr so a task's console.log never corrupts `--json`; execArgv: [] so a test runner's loader flags are
 * not inherited. JSON serialization, as on Lambda: partials are plain JSON everywhere (far-side/json-partial.ts),
 * batches go to Lambda as JSON too, and V8's JSON is about twice as fast over IPC as 'advanced' (structured clone).
 */
export function forkProcessChild(entry: string, ref?: TaskRef): ChildProcess {
  return fork(entry, ref ? [JSON.stringify(ref)] : [], {
    serialization: 'json',
    stdio: ['ignore', 2, 2, 'ipc'],
    execArgv: [],
  });
}

let early: ChildProcess | undefined;

/**
 * Forks a child before the run knows its task, so that node's start in the child (as long as the CLI's own) overlaps
 * the CLI loading and resolving the run, on the other core, instead of following it. The process backend's first lane
 * adopts it ({@link takeEarlyChild}). Unreferenced until then: if the run never starts a process pool (bad input), it
 * does not hold the CLI open, and it leaves when the CLI exits (its IPC channel closes).
 */
export function forkEarlyChild(): void {
  if (early) return;
  try {
    early = forkProcessChild(farSideFolderEntry('process-entry.bundle'));
  } catch {
    return; // no compiled entry: the backend reports it when it starts
  }
  early.on('error', () => {}); // one that could not start is not adopted (no pid, or exited)
  early.unref();
  early.channel?.unref();
}

/** The early child, when there is one still alive and not yet adopted; it is handed over (asked for once). */
export function takeEarlyChild(): ChildProcess | undefined {
  const child = early;
  early = undefined;
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
  return child.connected ? child : undefined;
}
