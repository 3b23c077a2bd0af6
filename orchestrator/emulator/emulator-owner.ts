/**
 * The one owner of the emulator's life. Every part of fanout that needs serverless-offline — the lambda backend with
 * endpoint `auto` (run, hybrid), compare and demo (one emulator for every backend compared), plan (`--emulator`) and
 * `fanout offline` — asks here with what it needs (the task it must carry, the stage, the concurrency), and stops it
 * through the handle it gets back; `withEmulator` stops it even when the work throws or is interrupted.
 */

import type { TaskRef } from '../tasks/task.js';
import { type LocalS3, startLocalS3 } from './local-s3.js';
import { freePort, type Emulator as Offline, startEmulator } from './serverless-offline.js';

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
  /** Also start the local S3 server the worker function offloads through. @default true */
  s3?: boolean;
}

/** A running emulator, with the local S3 server started beside it; `stop()` stops both (safe twice). */
export interface Emulator extends Offline {
  /** The local S3 server the worker function offloads through, when one was started. */
  s3: LocalS3 | undefined;
}

/**
 * Starts an emulator for `need`, and (unless `need.s3` is false) the local S3 server its function offloads through,
 * both at once; the caller stops both with `emulator.stop()` (safe twice).
 */
export async function openEmulator(need: EmulatorNeed = {}): Promise<Emulator> {
  if (need.s3 === false) return { ...(await startOffline(need)), s3: undefined };
  // the port is chosen first so the emulator can be told it while both start
  const s3Port = await freePort();
  const started = await Promise.allSettled([
    startLocalS3({ port: s3Port, signal: need.signal }),
    startOffline(need, `http://127.0.0.1:${s3Port}`),
  ]);
  const [s3, offline] = started;
  if (s3.status === 'rejected' || offline.status === 'rejected') {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    // the emulator's error first: it names every missing tooling package, s3rver included
    throw offline.status === 'rejected' ? offline.reason : (s3 as PromiseRejectedResult).reason;
  }
  return {
    ...offline.value,
    s3: s3.value,
    stop: async () => {
      await Promise.all([offline.value.stop(), s3.value.stop()]);
    },
  };
}

function startOffline(need: EmulatorNeed, s3Endpoint?: string): Promise<Offline> {
  const task = need.task;
  return startEmulator({
    ...(need.stage !== undefined ? { stage: need.stage } : {}),
    ...(need.concurrency !== undefined ? { maxConcurrency: need.concurrency } : {}),
    ...(task?.kind === 'module' && task.source ? { tasks: [task.source] } : {}),
    ...(need.port !== undefined ? { port: need.port } : {}),
    ...(need.logs ? { logs: true } : {}),
    ...(need.signal ? { signal: need.signal } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
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
