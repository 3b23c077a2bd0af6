/**
 * `fanout run <task> --coordinator cloud`: the run's coordinator is the durable `coordinator` function, not this
 * process. With AWS credentials (and no endpoint) it starts an execution on Lambda and prints its id; `--wait` follows
 * its history to the end and prints the result as a local run does. Without them it rehearses locally: the same
 * coordinator under the durable SDK's local runner, invoking the worker on the emulator (local-rehearsal.ts).
 */
import { randomUUID } from 'node:crypto';
import { AUTO_ENDPOINT } from '../backends/lambda/lambda-endpoint.js';
import { resolveTask } from '../bundle/resolve-task.js';
import type { CoordinatorEvent } from '../coordinator/coordinator-wire.js';
import { type ExecutionView, executionError } from '../coordinator/execution-view.js';
import { DEFAULTS } from '../options.js';
import { wireTaskOf } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/task.js';
import { awsFollow } from './cloud-follow.js';
import { rehearseRun } from './cloud-rehearse.js';
import { lambdaOptionsFrom } from './lambda-flags.js';
import { ProgressBar } from './progress-bar.js';
import { printRun } from './run-print.js';

/** What `run` hands over for a cloud-coordinated run. */
export interface CloudRunRequest {
  target: AnyTask | string;
  input: unknown;
  batchSize: number | undefined;
  retries: number;
  flags: Record<string, unknown>;
}

/** Starts the run on the cloud coordinator (or its local rehearsal) and, when asked or local, waits for its result. */
export async function runOnCloud(req: CloudRunRequest): Promise<void> {
  const { task, ref } = await resolveTask(req.target);
  const lambda = lambdaOptionsFrom(req.flags);
  const local = lambda.endpoint !== undefined;
  const event: CoordinatorEvent = {
    ...wireTaskOf(ref),
    input: req.input ?? {},
    ...(req.batchSize !== undefined ? { batchSize: req.batchSize } : {}),
    concurrency:
      lambda.concurrency ??
      (lambda.endpoint === AUTO_ENDPOINT ? DEFAULTS.emulatorConcurrency : DEFAULTS.lambdaConcurrency),
    retries: req.retries,
  };
  const json = req.flags.json === true;
  const bar = new ProgressBar(process.stderr, !json && process.stderr.isTTY === true);
  const stage = lambda.stage ?? DEFAULTS.stage;
  let view: ExecutionView | undefined;
  if (local) {
    view = await rehearseRun({
      id: `local-${randomUUID().slice(0, 8)}`,
      task,
      ref,
      event,
      endpoint: lambda.endpoint as string,
      workerFunction: lambda.functionName ?? `fanout-${stage}-worker`,
      region: lambda.region ?? DEFAULTS.region,
      bar,
    });
  } else {
    const coordinator =
      typeof req.flags.coordinatorFunction === 'string' ? req.flags.coordinatorFunction : `fanout-${stage}-coordinator`;
    view = await awsFollow({
      coordinator,
      region: lambda.region ?? process.env.AWS_REGION ?? DEFAULTS.region,
      event,
      wait: req.flags.wait === true,
      json,
      bar,
    });
  }
  bar.done();
  if (!view) return;
  if (view.status !== 'SUCCEEDED' || !view.output) throw executionError(view);
  printRun(task.name, 'cloud', view.output, json);
}
