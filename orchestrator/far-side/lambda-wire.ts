import { FanoutError } from '../errors.js';
import { wireErrorName } from './decode-error.js';
import type { WireError } from './wire.js';

/** Lambda's limit for a synchronous (RequestResponse) request or response payload: 6 MB. */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The error the Lambda handler throws for anything that went wrong. Lambda carries only a name (`errorType`), a
 * message and a trace, so the fanout code travels in the name ({@link wireErrorName}); serverless-offline reports every
 * errorType as "Error", so the trace's first line starts with that name too. A plain error the task threw becomes
 * ETASK with the task's own message, as on every other backend.
 */
export function lambdaErrorFrom(err: unknown): Error {
  const fanoutError =
    err instanceof FanoutError
      ? err
      : new FanoutError('ETASK', err instanceof Error ? err.message : String(err), { cause: err });
  const out = new Error(fanoutError.message, { cause: err });
  out.name = wireErrorName(fanoutError);
  const frames = (err instanceof Error ? (err.stack ?? '') : '').split('\n').slice(1);
  out.stack = [`${out.name}: ${out.message}`, ...frames].join('\n');
  return out;
}

/** The error document of a Lambda function-error reply (`X-Amz-Function-Error`). */
export interface LambdaErrorDoc {
  errorType?: string;
  errorMessage?: string;
  trace?: string[];
}

/**
 * Error types with a fixed meaning that do not come from {@link lambdaErrorFrom}: Lambda's own oversize-reply type, and
 * the names functions packaged by fanout before the far-side contract used (a function deployed from an older fanout).
 */
const KNOWN_TYPES: Readonly<Record<string, string>> = {
  'Function.ResponseSizeTooLarge': 'FanoutError.EPAYLOAD.final',
  ResponseTooLargeError: 'FanoutError.EPAYLOAD.final',
  TaskError: 'FanoutError.ETASK',
  InvalidEventError: 'FanoutError.EREMOTE.final',
  UnknownTaskError: 'FanoutError.EREMOTE.final',
};

/**
 * The wire error inside a Lambda function-error document. AWS reports the thrown error's name as `errorType`;
 * serverless-offline always says "Error", and then the first trace line (`FanoutError.ETASK: …`) names it.
 */
export function wireErrorFromLambda(doc: LambdaErrorDoc): WireError {
  let name = doc.errorType ?? 'Error';
  if (name === 'Error') {
    const head = /^([A-Za-z_$][\w$.]*):/.exec(doc.trace?.[0] ?? '');
    if (head?.[1]) name = head[1];
  }
  const message = doc.errorMessage ?? '(no message)';
  name = KNOWN_TYPES[name] ?? name;
  return { name, message, ...(doc.trace ? { stack: doc.trace.join('\n') } : {}) };
}
