import { setTimeout as sleep } from 'node:timers/promises';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../backends/lambda/lambda-client.js';
import { getExecution, startExecution } from '../coordinator/aws-executions.js';
import type { CoordinatorEvent } from '../coordinator/coordinator-wire.js';
import type { ExecutionView } from '../coordinator/execution-view.js';
import { attachHint } from './execution-lines.js';
import { divertInterrupts } from './interrupt.js';
import { writeStdout } from './json-stdout.js';
import type { ProgressBar } from './progress-bar.js';

/** How often `--wait` reads the execution's status and history, ms. */
const POLL_MS = 2000;

/** What {@link awsFollow} needs. */
export interface AwsFollowOptions {
  coordinator: string;
  region: string;
  event: CoordinatorEvent;
  wait: boolean;
  json: boolean;
  bar: ProgressBar;
}

/** A Lambda client for the execution APIs (a handful of calls, no fan-out). */
export function executionsClient(region: string): LambdaClient {
  return createLambdaClient({ endpoint: undefined, region, concurrency: 4 });
}

/**
 * Starts an execution of the deployed coordinator and prints its id; with `wait`, follows it to its end. Ctrl-C while
 * waiting detaches (the execution goes on) and says how to attach again. Returns the ended view, or undefined.
 */
export async function awsFollow(o: AwsFollowOptions): Promise<ExecutionView | undefined> {
  const client = executionsClient(o.region);
  try {
    const id = await startExecution(client, o.coordinator, o.event);
    if (!o.wait) {
      if (o.json) writeStdout(`${JSON.stringify({ task: o.event.task, backend: 'cloud', execution: id })}\n`);
      else console.log(id);
      return undefined;
    }
    o.bar.log(`fanout: execution ${id}`);
    return await followExecution(client, id, o.bar);
  } finally {
    client.destroy();
  }
}

/** Polls an execution until it ends, feeding the bar from its history; undefined when the user detached. */
export async function followExecution(
  client: LambdaClient,
  id: string,
  bar: ProgressBar,
): Promise<ExecutionView | undefined> {
  const detach = new AbortController();
  const restore = divertInterrupts(() => detach.abort());
  try {
    for (;;) {
      const view = await getExecution(client, id);
      if (view.status !== 'RUNNING') return view;
      bar.update({ done: view.done, total: view.total, inFlight: 0, retries: 0 });
      try {
        await sleep(POLL_MS, undefined, { signal: detach.signal });
      } catch {
        bar.done();
        process.stderr.write(`\nfanout: detached from ${id}; ${attachHint(id, false)}\n`);
        return undefined;
      }
    }
  } finally {
    restore();
  }
}
