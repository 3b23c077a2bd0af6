import { fileURLToPath } from 'node:url';
import { afterAll, vi } from 'vitest';
import type { Backend } from '../../orchestrator/backends/backend.js';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { InlineBackend } from '../../orchestrator/backends/inline/inline-backend.js';
import { LambdaBackend } from '../../orchestrator/backends/lambda/lambda-backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { WatchedProcessBackend, WatchedThreadBackend } from './watched-pools.js';

/**
 * One backend under the contract suite. Append a fixture here and every contract test runs against it too.
 */
export interface BackendFixture {
  name: string;
  /** A new, not yet started backend (the suite starts it with the task under test and stops it afterwards). */
  make(): Promise<Backend>;
  /** Kills a worker while it is running a batch (SIGKILL a child, terminate a thread). Absent: the test is skipped. */
  killDuringBatch?(backend: Backend): Promise<void>;
  /** Workers (threads, children) of a started or stopped backend that are still alive: 0 once stopped. */
  liveWorkers?(backend: Backend): number;
  /** False when the backend can only run built-in tasks (Lambda bundles the registry and never receives code). */
  userModules?: boolean;
}

/** Pool size of the local fixtures: the 2 cores of the CI machine. */
const WORKERS = 2;

/** The backends every contract test runs against. */
export const fixtures: BackendFixture[] = [
  {
    name: 'inline',
    make: async () => new InlineBackend(WORKERS),
    userModules: true,
  },
  {
    name: 'thread',
    make: async () => new WatchedThreadBackend({ workers: WORKERS }),
    async killDuringBatch(backend) {
      const busy = await (backend as WatchedThreadBackend).watch.nextBatchStart();
      await busy.kill();
    },
    liveWorkers: (backend) => (backend as WatchedThreadBackend).watch.live(),
    userModules: true,
  },
  {
    name: 'process',
    make: async () => new WatchedProcessBackend({ workers: WORKERS }),
    async killDuringBatch(backend) {
      const { pid } = await (backend as WatchedProcessBackend).watch.nextBatchStart();
      if (pid === undefined) throw new Error('no pid for the busy child');
      process.kill(pid, 'SIGKILL');
    },
    liveWorkers: (backend) => (backend as WatchedProcessBackend).watch.live(),
    userModules: true,
  },
];

// --- lambda (appended by the Lambda backend owner): the worker function on serverless-offline ---------------------

/**
 * User task modules the emulator carries besides the built-ins (bundled by the emulator's build exactly as the caller
 * bundles them): the contract suite runs them on lambda and hybrid too.
 */
export const EMULATED_USER_TASKS = [fileURLToPath(new URL('../fixtures/ts-task/collatz.ts', import.meta.url))];

/** One emulator per test file that uses the lambda or hybrid fixture, started on first use (start takes seconds). */
let lambdaEmulator: Promise<Emulator> | undefined;

/** The Invoke API endpoint of this file's emulator (started on first use), with the dummy credentials set. */
export function emulatorEndpoint(): Promise<string> {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  lambdaEmulator ??= startEmulator({ tasks: EMULATED_USER_TASKS });
  return lambdaEmulator.then((e) => e.endpoint);
}

afterAll(async () => {
  const started = lambdaEmulator;
  lambdaEmulator = undefined;
  if (started) await (await started).stop();
  vi.unstubAllEnvs();
});

fixtures.push({
  name: 'lambda',
  async make() {
    return new LambdaBackend({ endpoint: await emulatorEndpoint(), concurrency: 8, invokeTimeoutMs: 30_000 });
  },
  // only the modules in EMULATED_USER_TASKS: the emulator holds what it was built with, never code from the caller
  userModules: false,
});

// --- hybrid: child processes plus the emulated worker function, pulling from one queue ---------------------------

fixtures.push({
  name: 'hybrid',
  async make() {
    const endpoint = await emulatorEndpoint();
    // the lambda fixture's invoke deadline: an emulator instance that hangs under load ends within a test's time
    return new HybridBackend({ workers: WORKERS, lambda: { endpoint, concurrency: 4, invokeTimeoutMs: 30_000 } });
  },
  userModules: false,
});
