/**
 * The local rehearsal of the cloud coordinator, as serverless-offline is for the worker: the same coordinator body runs
 * in this process under the durable execution SDK's local runner (an in-memory checkpoint server that replays the
 * handler as Lambda would), and its invokes of the worker go to the worker on the local emulator. Same answer, same
 * output, no AWS account.
 */

import { type DurableLambdaHandler, withDurableExecution } from '@aws/durable-execution-sdk-js';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../backends/lambda/lambda-client.js';
import { FanoutError, inputError } from '../errors.js';
import { functionShelf } from '../far-side/function-shelf.js';
import type { HeldTask } from '../far-side/task-shelf.js';
import { wireErrorFromLambda } from '../far-side/wire-error.js';
import { builtinTasks } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/task.js';
import { coordinate } from './coordinate.js';
import { type CoordinatorEvent, type CoordinatorOutput, OPERATION_NAMES } from './coordinator-wire.js';
import type { ExecutionView } from './execution-view.js';

/** What {@link rehearse} needs. */
export interface RehearsalOptions {
  id: string;
  task: AnyTask;
  event: CoordinatorEvent;
  /** The emulator's Invoke API endpoint. */
  endpoint: string;
  workerFunction: string;
  region: string;
  /** Called as batches finish and when the split is recorded. */
  onProgress(view: ExecutionView): void;
}

type Testing = typeof import('@aws/durable-execution-sdk-js-testing');

async function loadTesting(): Promise<Testing> {
  try {
    return await import('@aws/durable-execution-sdk-js-testing');
  } catch {
    throw inputError(
      'the local rehearsal of `--coordinator cloud` needs @aws/durable-execution-sdk-js-testing: npm install -D @aws/durable-execution-sdk-js-testing (fanout init adds it), or configure AWS credentials to use the deployed coordinator',
    );
  }
}

/** Runs one execution of the coordinator locally to its end; its view (status, output or error) is what it returns. */
export async function rehearse(opts: RehearsalOptions): Promise<ExecutionView> {
  const { LocalDurableTestRunner } = await loadTesting();
  const view: ExecutionView = { id: opts.id, status: 'RUNNING', task: opts.task.name, startedAt: Date.now(), done: 0 };
  const packaged: HeldTask[] = builtinTasks.get(opts.task.name) === opts.task ? [] : [heldAs(opts.task, opts.event)];
  const body = coordinate(functionShelf(packaged, 'the coordinator (local rehearsal)'), opts.workerFunction);
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  const runner = new LocalDurableTestRunner({ handlerFunction: withDurableExecution(body) as DurableLambdaHandler });
  const client = createLambdaClient({
    endpoint: opts.endpoint,
    region: opts.region,
    concurrency: opts.event.concurrency,
  });
  const merged = new Set<string>();
  runner.registerFunction(opts.workerFunction, async (event: { batchId?: string; probe?: boolean }) => {
    const reply = await invokeWorker(client, opts.workerFunction, event);
    if (!event.probe && event.batchId !== undefined) {
      merged.add(event.batchId);
      view.done = merged.size;
      opts.onProgress(view);
    }
    return reply;
  });
  const split = runner.getOperation(OPERATION_NAMES.split);
  const watch = setInterval(() => {
    const count = (split.getStepDetails()?.result as { count?: number } | undefined)?.count;
    if (view.total === undefined && typeof count === 'number') {
      view.total = count;
      opts.onProgress(view);
    }
  }, 200);
  try {
    const run = await runner.run({ payload: opts.event });
    const status = run.getStatus();
    view.endedAt = Date.now();
    if (status === 'SUCCEEDED') {
      view.status = 'SUCCEEDED';
      view.output = run.getResult() as CoordinatorOutput;
      view.done = view.output.stats.batches;
      view.total = view.output.stats.batches;
    } else {
      view.status = status === 'STOPPED' || status === 'TIMED_OUT' ? status : 'FAILED';
      const e = run.getError();
      view.error = {
        ...(e.errorType ? { errorType: e.errorType } : {}),
        ...(e.errorMessage ? { errorMessage: e.errorMessage } : {}),
      };
    }
    return view;
  } finally {
    clearInterval(watch);
    client.destroy();
    await LocalDurableTestRunner.teardownTestEnvironment();
  }
}

function heldAs(task: AnyTask, event: CoordinatorEvent): HeldTask {
  return { name: task.name, version: event.version, load: () => task };
}

/** One invoke of the worker on the emulator; a function error is thrown with the worker's error name and message. */
async function invokeWorker(
  client: ReturnType<typeof createLambdaClient>,
  functionName: string,
  event: unknown,
): Promise<unknown> {
  const res = await client.send(
    new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
  );
  const text = res.Payload ? new TextDecoder().decode(res.Payload) : 'null';
  if (res.FunctionError) {
    const wire = wireErrorFromLambda(JSON.parse(text));
    const err = new Error(wire.message);
    err.name = wire.name;
    throw err;
  }
  if (res.StatusCode !== undefined && res.StatusCode >= 300) {
    throw new FanoutError('ESERVICE', `the emulator answered ${res.StatusCode} for ${functionName}`);
  }
  return JSON.parse(text);
}
