import type { DurableContext } from '@aws/durable-execution-sdk-js';
import { FanoutError } from '../errors.js';
import { type BatchReply, BatchReplySchema, type BatchRequest, describeIssues } from '../far-side/wire.js';
import { decodeFarSideError, wireErrorFromLambda } from '../far-side/wire-error.js';
import { count } from '../plural.js';
import { OPERATION_NAMES } from './coordinator-wire.js';

/** One batch's outcome inside a group: the worker's reply, or the error that ended it for good. */
export type BatchOutcome =
  | { batchId: string; retries: number; reply: BatchReply }
  | { batchId: string; retries: number; error: { code: string; message: string } };

/** Longest pause between two attempts at one batch, s (the engine's waits cost nothing while they last). */
const MAX_BACKOFF_S = 30;

/**
 * Runs one batch on the worker function as durable invokes: a retryable failure waits (1 s, 2 s, 4 s …) and invokes
 * again under a new name, up to `retries` times, so a replay finds every attempt in the history and repeats none.
 * The outcome is returned rather than thrown: a thrown error would reach the merge step only as a message.
 */
export async function invokeBatch(
  ctx: DurableContext,
  workerFunction: string,
  request: BatchRequest,
  retries: number,
): Promise<BatchOutcome> {
  const batchId = request.batchId;
  for (let attempt = 0; ; attempt++) {
    let err: FanoutError;
    try {
      const raw = await ctx.invoke(OPERATION_NAMES.batch(batchId, attempt), workerFunction, request);
      const parsed = BatchReplySchema.safeParse(raw);
      if (parsed.success) return { batchId, retries: attempt, reply: parsed.data };
      err = new FanoutError('EREMOTE', `worker reply for batch ${batchId}: ${describeIssues(parsed.error.issues)}`, {
        batchId,
        retryable: false,
      });
    } catch (thrown) {
      err = invokeError(thrown, batchId);
    }
    if (!err.retryable || attempt >= retries) {
      const message = `batch ${batchId} failed after ${count(attempt + 1, 'attempt')}: ${err.message}`;
      return { batchId, retries: attempt, error: { code: err.code, message } };
    }
    await ctx.wait(OPERATION_NAMES.backoff(batchId, attempt), { seconds: Math.min(MAX_BACKOFF_S, 2 ** attempt) });
  }
}

/**
 * The engine hands a failed invoke back as an InvokeError carrying the worker's message (its error type stays behind
 * in the history); the worker's errors are decoded as the lambda backend decodes them, a plain one as ETASK.
 */
function invokeError(thrown: unknown, batchId: string): FanoutError {
  const e = thrown as { message?: unknown; cause?: { name?: unknown; stack?: unknown } };
  const message = typeof e.message === 'string' ? e.message : String(thrown);
  const stack = typeof e.cause?.stack === 'string' ? e.cause.stack.split('\n') : undefined;
  const type = typeof e.cause?.name === 'string' ? e.cause.name : 'Error';
  const wire = wireErrorFromLambda({ errorType: type, errorMessage: message, ...(stack ? { trace: stack } : {}) });
  return decodeFarSideError(wire, batchId, { otherwise: 'ETASK' });
}
