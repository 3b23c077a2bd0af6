import { FanoutError, type FanoutErrorCode, serializeError } from '../errors.js';
import type { WireError } from './wire.js';

const CODE = /^E[A-Z]+$/;

/**
 * Name a far side gives an error it sends through a channel that carries only a name and a message (Lambda's
 * `errorType`, or the first line of its trace on serverless-offline): `FanoutError.ETASK`, `FanoutError.EVERSION.final`
 * when it must not be retried.
 */
export function wireErrorName(err: FanoutError): string {
  return `FanoutError.${err.code}${err.retryable ? '' : '.final'}`;
}

/** Reads a code back from {@link wireErrorName}'s form. */
function codeFromName(name: string): { code: string; final: boolean } | undefined {
  const m = /^FanoutError\.(E[A-Z]+)(\.final)?$/.exec(name);
  return m?.[1] ? { code: m[1], final: m[2] !== undefined } : undefined;
}

/** Turns any error a far side caught into its wire form (a FanoutError keeps its code and retryability). */
export function toWireError(err: unknown): WireError {
  return serializeError(err);
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
 * a fanout code travels as `code` or in the name ({@link wireErrorName}) and is kept with its retryability, so an input
 * error stays EINPUT and a stale function stays EVERSION everywhere; a plain error the task threw becomes ETASK with
 * the task's own message. Outside a batch (`batchId` undefined: a worker failing to start) an uncoded error is a
 * fanout bug, EINTERNAL.
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
  return err;
}
