import { afterAll } from 'vitest';
import type { Backend } from '../../orchestrator/backends/backend.js';
import { InlineBackend } from '../../orchestrator/backends/inline/inline-backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/backends/lambda/emulator.js';
import { LambdaBackend } from '../../orchestrator/backends/lambda/lambda-backend.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';

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
    make: async () => new ThreadBackend({ workers: WORKERS }),
    async killDuringBatch(backend) {
      const thread = backend as ThreadBackend;
      const { slot } = await thread.nextBatchStart();
      await thread.terminateWorker(slot);
    },
    liveWorkers: (backend) => (backend as ThreadBackend).liveWorkers(),
    userModules: true,
  },
  {
    name: 'process',
    make: async () => new ProcessBackend({ workers: WORKERS }),
    async killDuringBatch(backend) {
      const { pid } = await (backend as ProcessBackend).nextBatchStart();
      if (pid === undefined) throw new Error('no pid for the busy child');
      process.kill(pid, 'SIGKILL');
    },
    liveWorkers: (backend) => (backend as ProcessBackend).liveWorkers(),
    userModules: true,
  },
];

// --- lambda (appended by the Lambda backend owner): the worker function on serverless-offline ---------------------

/** One emulator per test file that uses the lambda fixture, started on first use (start takes seconds). */
let lambdaEmulator: Promise<Emulator> | undefined;

afterAll(async () => {
  const started = lambdaEmulator;
  lambdaEmulator = undefined;
  if (started) await (await started).stop();
});

/** The Invoke API endpoint of this file's emulator (started on first use), with the dummy credentials set. */
export async function emulatorEndpoint(): Promise<string> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  lambdaEmulator ??= startEmulator();
  return (await lambdaEmulator).endpoint;
}

fixtures.push({
  name: 'lambda',
  async make() {
    const endpoint = await emulatorEndpoint();
    return new LambdaBackend({ endpoint, concurrency: 8, invokeTimeoutMs: 30_000 });
  },
  userModules: false,
});
