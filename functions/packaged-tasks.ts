/**
 * The user tasks packaged into the worker function. In the sources this list is empty; when serverless-esbuild builds
 * the handler (`sls package`, `sls deploy`, `sls offline`, `sls invoke local`), the esbuild plugin in
 * infra/esbuild-plugins.cjs replaces this module with one entry per task listed in fanout.config.json (and, for an
 * emulator started for one run, that run's task), each requiring the task's bundle.
 */
import type { AnyTask } from '../orchestrator/tasks/task.js';

/** One packaged task: its id, its version (the bundle's hash) and its module, loaded on first use. */
export interface PackagedTask {
  name: string;
  version: string;
  /** Where it came from, for messages (`tasks/resize.ts`). */
  source: string;
  load(): AnyTask;
}

/** The packaged user tasks (empty until the plugin fills it in). */
export const packagedTasks: readonly PackagedTask[] = [];
