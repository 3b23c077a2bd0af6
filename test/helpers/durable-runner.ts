import { type DurableLambdaHandler, withDurableExecution } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import { coordinate } from '../../orchestrator/coordinator/coordinate.js';
import type { CoordinatorEvent } from '../../orchestrator/coordinator/coordinator-wire.js';
import { functionShelf } from '../../orchestrator/far-side/function-shelf.js';
import { lambdaHandler } from '../../orchestrator/far-side/lambda-handler.js';
import type { HeldTask } from '../../orchestrator/far-side/task-shelf.js';

/** Name the worker is registered under in the durable test runner. */
export const WORKER = 'fanout-test-worker';

/** One coordinator execution under the durable test runner, with the real worker handler registered. */
export async function runCoordinator(
  event: CoordinatorEvent,
  tasks: { coordinator: readonly HeldTask[]; worker: readonly HeldTask[] },
) {
  const handler = withDurableExecution(
    coordinate(functionShelf(tasks.coordinator, 'the coordinator function'), WORKER),
  ) as DurableLambdaHandler;
  const runner = new LocalDurableTestRunner({ handlerFunction: handler });
  const worker = lambdaHandler(tasks.worker);
  runner.registerFunction(WORKER, (ev: unknown) => worker(ev));
  return runner.run({ payload: event });
}

/** Set up once per file: the runner's in-memory checkpoint server, with waits skipped. */
export const setupDurable = () => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
export const teardownDurable = () => LocalDurableTestRunner.teardownTestEnvironment();
