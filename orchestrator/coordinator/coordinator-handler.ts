import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { FanoutError } from '../errors.js';
import { functionShelf } from '../far-side/function-shelf.js';
import type { HeldTask } from '../far-side/task-shelf.js';
import { coordinate } from './coordinate.js';

/** Environment variable naming the worker function the coordinator invokes (set by serverless.yml). */
export const WORKER_FUNCTION_ENV = 'FANOUT_WORKER_FUNCTION';

/**
 * The handler of the `coordinator` function: a durable function holding the same tasks as the worker (the built-ins
 * and the `packaged` user tasks), invoking the worker named by {@link WORKER_FUNCTION_ENV} for every batch.
 */
export function coordinatorHandler(packaged: readonly HeldTask[]): ReturnType<typeof withDurableExecution> {
  const shelf = functionShelf(packaged, 'the coordinator function');
  return withDurableExecution((event, ctx) => {
    const worker = process.env[WORKER_FUNCTION_ENV];
    if (!worker) {
      throw new FanoutError(
        'EINTERNAL',
        `the coordinator function needs ${WORKER_FUNCTION_ENV}: redeploy it with fanout's serverless.yml`,
      );
    }
    return coordinate(shelf, worker)(event, ctx);
  });
}
