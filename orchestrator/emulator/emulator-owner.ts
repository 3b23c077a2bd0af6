/**
 * The one owner of the emulator's life. Every part of fanout that needs serverless-offline — the lambda backend with
 * endpoint `auto` (run, hybrid), compare and demo (one emulator for every backend compared), plan (`--emulator`) and
 * `fanout offline` — asks here with what it needs (the task it must carry, the stage, the concurrency), and stops it
 * through the handle it gets back; `withEmulator` stops it even when the work throws or is interrupted.
 */

import type { TaskRef } from '../tasks/task.js';
import { type Emulator, startEmulator } from './serverless-offline.js';

/** What a caller needs from an emulator. */
export interface EmulatorNeed {
  /** A user task the worker must carry besides the built-ins and fanout.config.json's tasks (bundled as this run did). */
  task?: TaskRef | undefined;
  /** Stage, which names the function (`fanout-<stage>-worker`). @default options.ts DEFAULTS.stage */
  stage?: string | undefined;
  /** Invocations the caller will keep in flight: the emulator runs a worker thread per concurrent instance. */
  concurrency?: number | undefined;
  /** Invoke API port. @default a free port */
  port?: number | undefined;
  /** Forward the emulator's log lines to stderr once it is ready (`fanout offline`). */
  logs?: boolean;
  /** Aborting it stops a starting emulator at once. */
  signal?: AbortSignal | undefined;
}

export type { Emulator };

/** Starts an emulator for `need`; the caller stops it with `emulator.stop()` (safe twice). */
export function openEmulator(need: EmulatorNeed = {}): Promise<Emulator> {
  const task = need.task;
  return startEmulator({
    ...(need.stage !== undefined ? { stage: need.stage } : {}),
    ...(need.concurrency !== undefined ? { maxConcurrency: need.concurrency } : {}),
    ...(task?.kind === 'module' && task.source ? { tasks: [task.source] } : {}),
    ...(need.port !== undefined ? { port: need.port } : {}),
    ...(need.logs ? { logs: true } : {}),
    ...(need.signal ? { signal: need.signal } : {}),
  });
}

/** Runs `fn` with an emulator made for `need`, and stops the emulator afterwards whatever happens. */
export async function withEmulator<T>(need: EmulatorNeed, fn: (emulator: Emulator) => Promise<T>): Promise<T> {
  const emulator = await openEmulator(need);
  try {
    return await fn(emulator);
  } finally {
    await emulator.stop();
  }
}
