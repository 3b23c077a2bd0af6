/**
 * An error on its way from a far side to the caller, written once. It travels one of two ways:
 * - as a {@link WireError} (inline, worker threads, child processes): {@link toWireError} on the far side,
 *   {@link decodeFarSideError} on the caller's;
 * - through Lambda, which carries only a name, a message and a trace: {@link lambdaErrorFrom} in the handler,
 *   {@link wireErrorFromLambda} and then {@link decodeFarSideError} in the backend.
 * Either way a fanout code arrives with its retryability, so an input error stays EINPUT and a stale function stays
 * EVERSION on every backend, and a plain error the task threw becomes ETASK with the task's own message.
 */
import { FanoutError, type FanoutErrorCode } from '../errors.js';
import { taskOutputOf } from './task-output.js';
import type { TaskOutput, WireError } from './wire.js';

const CODE = /^E[A-Z]+$/;

/** Turns any error a far side caught into its wire form (a FanoutError keeps its code and retryability). */
export function toWireError(err: unknown): WireError {
  const output = taskOutputOf(err);
  const withOutput = output ? { output } : {};
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), ...withOutput };
  const code = (err as { code?: unknown }).code;
  const retryable = err instanceof FanoutError ? err.retryable : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(retryable === false ? { retryable } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
    ...withOutput,
  };
}

/** Options of {@link decodeFarSideError}. */
export interface DecodeOptions {
  /**
   * What an error without a fanout code is: `ETASK` where the task's own throw arrives as is (inline, threads,
   * processes), `EREMOTE` where the far side wraps every task throw itself (Lambda), so anything else is the runtime's.
   * @default 'ETASK'
   */
  otherwise?: 'ETASK' | 'EREMOTE';
  /** Prefix of an EREMOTE message, saying where it came from (`Lambda function error (Unhandled) on batch 3`). */
  where?: string;
}

/**
 * The one decoder every caller uses for an error from a far side (inline, worker threads, child processes, Lambda):
 * a fanout code travels as `code` or in the name ({@link wireErrorName}) and is kept with its retryability. Outside a
 * batch (`batchId` undefined: a worker failing to start) an uncoded error is a fanout bug, EINTERNAL.
 */
export function decodeFarSideError(
  remote: WireError,
  batchId: string | undefined,
  opts: DecodeOptions = {},
): FanoutError {
  const named = codeFromName(remote.name);
  const code =
    remote.code !== undefined && CODE.test(remote.code) && remote.name === 'FanoutError' ? remote.code : named?.code;
  const base = batchId === undefined ? {} : { batchId };
  let err: FanoutError;
  if (code !== undefined) {
    const final = remote.retryable === false || named?.final === true;
    err = new FanoutError(code as FanoutErrorCode, remote.message, { ...base, ...(final ? { retryable: false } : {}) });
  } else if (batchId === undefined) {
    err = new FanoutError('EINTERNAL', remote.message, { retryable: false });
  } else if ((opts.otherwise ?? 'ETASK') === 'ETASK') {
    err = new FanoutError('ETASK', remote.message, base);
  } else {
    const where = opts.where ?? `far-side error on batch ${batchId}`;
    err = new FanoutError('EREMOTE', `${where}: ${remote.name}: ${remote.message}`, base);
  }
  if (remote.stack) err.stack = `FanoutError: ${err.message}\n    [remote] ${remote.stack}`;
  if (remote.output) err.output = remote.output;
  return err;
}

/**
 * Name a far side gives an error it sends through a channel that carries only a name and a message (Lambda's
 * `errorType`, or the first line of its trace on serverless-offline): `FanoutError.ETASK`, `FanoutError.EVERSION.final`
 * when it must not be retried.
 */
function wireErrorName(err: FanoutError): string {
  return `FanoutError.${err.code}${err.retryable ? '' : '.final'}`;
}

/** Reads a code back from {@link wireErrorName}'s form. */
function codeFromName(name: string): { code: string; final: boolean } | undefined {
  const m = /^FanoutError\.(E[A-Z]+)(\.final)?$/.exec(name);
  return m?.[1] ? { code: m[1], final: m[2] !== undefined } : undefined;
}

/**
 * The error the Lambda handler throws for anything that went wrong: the fanout code travels in the name
 * ({@link wireErrorName}); serverless-offline reports every errorType as "Error", so the trace's first line starts with
 * that name too. A plain error the task threw becomes ETASK with the task's own message, as on every other backend.
 */
export function lambdaErrorFrom(err: unknown, instanceId?: string): Error {
  const fanoutError =
    err instanceof FanoutError
      ? err
      : new FanoutError('ETASK', err instanceof Error ? err.message : String(err), { cause: err });
  const out = new Error(fanoutError.message, { cause: err });
  out.name = wireErrorName(fanoutError);
  const frames = (err instanceof Error ? (err.stack ?? '') : '').split('\n').slice(1);
  const output = taskOutputOf(err);
  const extra = output || instanceId ? [`${EXTRA_LINE}${JSON.stringify({ instanceId, output })}`] : [];
  out.stack = [`${out.name}: ${out.message}`, ...frames, ...extra].join('\n');
  return out;
}

/**
 * Start of the last trace line of a Lambda error that carries the failed batch's output and the instance's id: Lambda
 * (and the emulator) keep only a name, a message and the stack's lines, identically, so they travel as one JSON line.
 */
const EXTRA_LINE = 'fanout-attempt ';

/** The output and instance id {@link lambdaErrorFrom} put in a trace, and the trace without that line. */
function attemptFromTrace(trace: readonly string[]): { trace: string[]; output?: TaskOutput; instanceId?: string } {
  const last = trace.at(-1);
  if (!last?.startsWith(EXTRA_LINE)) return { trace: [...trace] };
  let extra: { instanceId?: unknown; output?: unknown } = {};
  try {
    extra = JSON.parse(last.slice(EXTRA_LINE.length)) as typeof extra;
  } catch {
    return { trace: [...trace] };
  }
  // checked by hand: this module is loaded by every far side, which must not load zod for it
  const output = extra.output as Partial<TaskOutput> | undefined;
  const valid =
    typeof output?.text === 'string' && (output.cutBytes === undefined || typeof output.cutBytes === 'number');
  return {
    trace: trace.slice(0, -1),
    ...(valid
      ? {
          output: {
            text: output.text as string,
            ...(output.cutBytes !== undefined ? { cutBytes: output.cutBytes } : {}),
          },
        }
      : {}),
    ...(typeof extra.instanceId === 'string' ? { instanceId: extra.instanceId } : {}),
  };
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
 * The wire error inside a Lambda function-error document, for {@link decodeFarSideError}. AWS reports the thrown
 * error's name as `errorType`; serverless-offline always says "Error", and then the first trace line
 * (`FanoutError.ETASK: …`) names it.
 */
export function wireErrorFromLambda(doc: LambdaErrorDoc): WireError {
  let name = doc.errorType ?? 'Error';
  if (name === 'Error') {
    const head = /^([A-Za-z_$][\w$.]*):/.exec(doc.trace?.[0] ?? '');
    if (head?.[1]) name = head[1];
  }
  const message = doc.errorMessage ?? '(no message)';
  name = KNOWN_TYPES[name] ?? name;
  if (!doc.trace) return { name, message };
  const { trace, output, instanceId } = attemptFromTrace(doc.trace);
  return {
    name,
    message,
    stack: trace.join('\n'),
    ...(output ? { output } : {}),
    ...(instanceId ? { instanceId } : {}),
  };
}
