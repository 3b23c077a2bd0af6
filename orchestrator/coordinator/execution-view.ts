/**
 * What the CLI shows of one coordinator execution, whoever runs it (Lambda, or the local rehearsal): its status, its
 * progress read from its own history (the `split` step's batch count, the `batch-…` invokes that succeeded), and its
 * output or error.
 */
import { FanoutError } from '../errors.js';
import { decodeFarSideError, wireErrorFromLambda } from '../far-side/wire-error.js';
import { type CoordinatorOutput, OPERATION_NAMES } from './coordinator-wire.js';

/** Where an execution stands. `LOST`: a local rehearsal whose process ended before the run did. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED' | 'LOST';

/** One execution as `status`, `result` and `runs` show it. */
export interface ExecutionView {
  id: string;
  status: ExecutionStatus;
  /** Task of the run, when known. */
  task?: string;
  /** ms since epoch */
  startedAt?: number;
  endedAt?: number;
  /** Batches merged or in hand so far (invokes that succeeded). */
  done: number;
  /** Batches of the run, once its split is recorded. */
  total?: number;
  output?: CoordinatorOutput;
  error?: { errorType?: string; errorMessage?: string; stackTrace?: string[] };
}

/** The prefix of a local rehearsal's execution id; anything else is a durable execution ARN. */
export const LOCAL_ID_PREFIX = 'local-';

/** One event of an execution's history, as far as progress needs it. */
export interface HistoryEvent {
  EventType?: string | undefined;
  Name?: string | undefined;
  StepSucceededDetails?: { Result?: { Payload?: string | undefined } | undefined } | undefined;
}

/** Progress from an execution's history: batches whose invoke succeeded, and the total the split step recorded. */
export function progressFromHistory(events: readonly HistoryEvent[]): { done: number; total?: number } {
  const batch = /^batch-\d+(-retry-\d+)?$/;
  let done = 0;
  let total: number | undefined;
  for (const e of events) {
    if (e.EventType === 'ChainedInvokeSucceeded' && e.Name && batch.test(e.Name)) done += 1;
    if (e.EventType === 'StepSucceeded' && e.Name === OPERATION_NAMES.split) {
      const count = (JSON.parse(e.StepSucceededDetails?.Result?.Payload ?? '{}') as { count?: unknown }).count;
      if (typeof count === 'number') total = count;
    }
  }
  return total === undefined ? { done } : { done, total };
}

/** The run's typed error from a failed, stopped or timed-out execution (ETASK naming the batch, EVERSION, …). */
export function executionError(view: ExecutionView): FanoutError {
  if (view.status === 'STOPPED') return new FanoutError('ECANCEL', `execution ${view.id} was stopped`);
  if (view.status === 'TIMED_OUT') {
    return new FanoutError('ETIMEOUT', `execution ${view.id} ran past the coordinator's execution timeout`);
  }
  if (view.status === 'LOST') {
    return new FanoutError('ECANCEL', `the local rehearsal ${view.id} ended with its process before the run finished`);
  }
  const doc = view.error ?? {};
  const wire = wireErrorFromLambda({
    ...(doc.errorType ? { errorType: doc.errorType } : {}),
    ...(doc.errorMessage ? { errorMessage: doc.errorMessage } : {}),
    ...(doc.stackTrace ? { trace: doc.stackTrace } : {}),
  });
  return decodeFarSideError(wire, undefined);
}
