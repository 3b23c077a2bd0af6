import { FanoutError } from '../../errors.js';
import { decodeFarSideError, type LambdaErrorDoc, wireErrorFromLambda } from '../../far-side/wire-error.js';
import { redactUrl } from '../../redact-url.js';

/** Where an invoke went, for error messages that say what to fix. */
export interface InvokeTarget {
  functionName: string;
  /** Endpoint URL, or undefined for real AWS. */
  endpoint: string | undefined;
  region: string;
}

/** Codes of socket-level faults: the request may or may not have reached the function. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Reason?: string;
  retryAfterSeconds?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

function where(t: InvokeTarget): string {
  return t.endpoint ? `at ${redactUrl(t.endpoint)}` : `in AWS region ${t.region}`;
}

/** True when `err` is a socket-level fault (reset, refused, lost reply). */
export function isNetworkError(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorShape;
  return (
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    e.name === 'TimeoutError' ||
    /socket hang up|ECONNRESET|ECONNREFUSED/.test(e.message ?? '')
  );
}

/**
 * Maps an exception from `LambdaClient.send(InvokeCommand)` to a typed {@link FanoutError}: 429 → ETHROTTLED,
 * 5xx → ESERVICE, a reset or lost reply → ENETWORK (the function may have run: the accumulator's dedupe keeps the
 * answer exact), 404 → EINPUT naming the function, anything else → EREMOTE.
 */
export function classifyInvokeError(err: unknown, batchId: string, target: InvokeTarget): FanoutError {
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const detail = `${e.name ?? 'Error'}${e.code ? ` (${e.code})` : ''}: ${e.message ?? String(err)}`;
  if (e.name === 'TooManyRequestsException' || status === 429) {
    const seconds = Number(e.retryAfterSeconds);
    return new FanoutError(
      'ETHROTTLED',
      `Lambda throttled batch ${batchId}${e.Reason ? ` (Reason: ${e.Reason})` : ''}: ${e.message ?? '429'}`,
      { cause: err, batchId, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}) },
    );
  }
  if (e.name === 'ResourceNotFoundException' || status === 404) {
    return new FanoutError(
      'EINPUT',
      `Lambda function \`${target.functionName}\` not found ${where(target)}; deploy it (npx sls deploy --stage …) or pass --function`,
      { cause: err, batchId, retryable: false },
    );
  }
  if (e.name === 'RequestTooLargeException' || status === 413) {
    return new FanoutError('EPAYLOAD', `Lambda refused batch ${batchId} as too large: ${detail}`, {
      cause: err,
      batchId,
      retryable: false,
    });
  }
  if (e.name === 'CredentialsProviderError') {
    return new FanoutError(
      'EINPUT',
      `No AWS credentials for the lambda backend (${e.message}); configure credentials, or pass --lambda-endpoint <url|auto> for the local emulator`,
      { cause: err, batchId, retryable: false },
    );
  }
  if ((status !== undefined && status >= 500) || e.$fault === 'server') {
    return new FanoutError(
      'ESERVICE',
      `Lambda service error on batch ${batchId} (HTTP ${status ?? '5xx'}): ${detail}`,
      {
        cause: err,
        batchId,
      },
    );
  }
  if (isNetworkError(err) || status === undefined) {
    return new FanoutError(
      'ENETWORK',
      `network fault invoking ${target.functionName} ${where(target)} for batch ${batchId}: ${detail}`,
      { cause: err, batchId },
    );
  }
  return new FanoutError('EREMOTE', `Lambda rejected batch ${batchId} (HTTP ${status}): ${detail}`, {
    cause: err,
    batchId,
    retryable: false,
  });
}

/**
 * Maps a reply with `X-Amz-Function-Error` (HTTP 200, error JSON as payload) to a typed error with the one far-side
 * decoder: the handler's own errors keep their fanout code (the task threw → ETASK with the task's message, a stale or
 * missing task → EVERSION, an oversize reply → EPAYLOAD, a refused event → EREMOTE, none of these retried but ETASK);
 * anything else (runtime crash, timeout) → EREMOTE, retried.
 */
export function functionErrorFrom(kind: string, payload: Uint8Array | undefined, batchId: string): FanoutError {
  const text = payload ? Buffer.from(payload).toString('utf8') : '';
  let doc: LambdaErrorDoc = {};
  try {
    doc = JSON.parse(text) as LambdaErrorDoc;
  } catch {
    doc = { errorMessage: text || '(empty error payload)' };
  }
  const remote = wireErrorFromLambda(doc);
  const err = decodeFarSideError(remote, batchId, {
    otherwise: 'EREMOTE',
    where: `Lambda function error (${kind}) on batch ${batchId}`,
  });
  const out =
    err.code === 'EPAYLOAD'
      ? new FanoutError('EPAYLOAD', `Lambda reply for batch ${batchId} too large: ${remote.message}`, {
          cause: doc,
          batchId,
          retryable: false,
        })
      : err;
  // the lane of the instance that failed, as a successful reply names it; the failed attempt's output goes with it
  if (remote.instanceId) out.workerId = `lambda-${remote.instanceId}`;
  if (remote.output) out.output = remote.output;
  return out;
}
