/**
 * The deployed coordinator's executions through the Lambda API: start one (an asynchronous invoke of the durable
 * function, named so a retried start finds the same execution), read its status, history and result, list and stop.
 */
import { randomUUID } from 'node:crypto';
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  type LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  StopDurableExecutionCommand,
} from '@aws-sdk/client-lambda';
import { FanoutError } from '../errors.js';
import type { CoordinatorEvent, CoordinatorOutput } from './coordinator-wire.js';
import { type ExecutionStatus, type ExecutionView, type HistoryEvent, progressFromHistory } from './execution-view.js';

/** Starts an execution of `coordinator` (name or ARN; `$LATEST` unless qualified) and returns its ARN. */
export async function startExecution(
  client: LambdaClient,
  coordinator: string,
  event: CoordinatorEvent,
): Promise<string> {
  const res = await client.send(
    new InvokeCommand({
      FunctionName: coordinator,
      ...(qualified(coordinator) ? {} : { Qualifier: '$LATEST' }),
      InvocationType: 'Event',
      DurableExecutionName: `fanout-${event.task.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${randomUUID().slice(0, 8)}`,
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  if (!res.DurableExecutionArn) {
    throw new FanoutError(
      'EREMOTE',
      `${coordinator} started no durable execution: is it fanout's coordinator function, deployed with durableConfig?`,
      { retryable: false },
    );
  }
  return res.DurableExecutionArn;
}

/** The execution's status, progress (from its history) and, once it ended, its output or error. */
export async function getExecution(client: LambdaClient, arn: string): Promise<ExecutionView> {
  const res = await client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
  const status = (res.Status ?? 'RUNNING') as ExecutionStatus;
  const events: HistoryEvent[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true, Marker: marker }),
    );
    events.push(...(page.Events ?? []));
    marker = page.NextMarker;
  } while (marker);
  const view: ExecutionView = { id: arn, status, ...progressFromHistory(events) };
  if (res.StartTimestamp) view.startedAt = res.StartTimestamp.getTime();
  if (res.EndTimestamp) view.endedAt = res.EndTimestamp.getTime();
  if (res.Result) view.output = JSON.parse(res.Result) as CoordinatorOutput;
  if (res.Error) {
    view.error = {
      ...(res.Error.ErrorType ? { errorType: res.Error.ErrorType } : {}),
      ...(res.Error.ErrorMessage ? { errorMessage: res.Error.ErrorMessage } : {}),
      ...(res.Error.StackTrace ? { stackTrace: res.Error.StackTrace } : {}),
    };
  }
  return view;
}

/** The coordinator's executions, newest first (status and times only). */
export async function listExecutions(client: LambdaClient, coordinator: string): Promise<ExecutionView[]> {
  const res = await client.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: coordinator }));
  return (res.DurableExecutions ?? []).map((e) => ({
    id: e.DurableExecutionArn ?? '?',
    status: (e.Status ?? 'RUNNING') as ExecutionStatus,
    done: 0,
    ...(e.StartTimestamp ? { startedAt: e.StartTimestamp.getTime() } : {}),
    ...(e.EndTimestamp ? { endedAt: e.EndTimestamp.getTime() } : {}),
  }));
}

/** Stops a running execution (the batches already invoked finish on their own; nothing more is merged). */
export async function stopExecution(client: LambdaClient, arn: string): Promise<void> {
  await client.send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }));
}

/** True for `name:qualifier` or a qualified ARN (`arn:aws:lambda:region:account:function:name:qualifier`). */
function qualified(fn: string): boolean {
  return fn.startsWith('arn:') ? fn.split(':').length >= 8 : fn.includes(':');
}
