import type { TaskOutput } from './far-side/wire.js';

/**
 * Every failure fanout reports is a {@link FanoutError} with a machine-readable `code`, made in this one file so the
 * CLI, the scheduler and every backend agree on what went wrong and whether trying again can help.
 */
export type FanoutErrorCode =
  /** Bad user input: flags, task options, events, URLs. Never retried. */
  | 'EINPUT'
  /** A batch ran longer than its per-batch timeout. */
  | 'ETIMEOUT'
  /** The run was aborted through its AbortSignal. */
  | 'ECANCEL'
  /** The remote side throttled us (Lambda 429 TooManyRequestsException). */
  | 'ETHROTTLED'
  /** The remote side reported an error we cannot classify further (Lambda Unhandled function error). */
  | 'EREMOTE'
  /** A worker thread or child process died while running a batch. */
  | 'ECRASH'
  /** The task's own code threw while mapping a batch. */
  | 'ETASK'
  /** A network fault: reset, refused, lost reply. The far side may have run the batch. */
  | 'ENETWORK'
  /** A 5xx reply from a service. */
  | 'ESERVICE'
  /** A payload too large to send, even after splitting. */
  | 'EPAYLOAD'
  /** Backends disagreed on the result of the same input. */
  | 'EMISMATCH'
  /** An invariant of fanout itself was broken (a bug). */
  | 'EINTERNAL'
  /**
   * The far side (a deployed or emulated worker function) does not hold the exact task version this run bundled, or
   * does not hold the task at all. Never retried: stale code must never produce an answer.
   */
  | 'EVERSION'
  /**
   * An offloaded batch or partial is not in S3 (deleted, expired, never written): retried, since the next attempt puts
   * the batch again.
   */
  | 'EMISSING'
  /** An offloaded batch or partial whose size or sha256 differs from its pointer: never retried, never an answer. */
  | 'EINTEGRITY';

const RETRYABLE: ReadonlySet<FanoutErrorCode> = new Set([
  'ETIMEOUT',
  'ETHROTTLED',
  'EREMOTE',
  'ECRASH',
  'ETASK',
  'ENETWORK',
  'ESERVICE',
  'EMISSING',
]);

/** Options for {@link FanoutError}. */
export interface FanoutErrorOptions {
  cause?: unknown;
  /** Overrides the default retryability of the code. */
  retryable?: boolean;
  /** Batch the error belongs to, when there is one. */
  batchId?: string;
  /** Server-suggested delay before retrying, in ms (e.g. Retry-After). */
  retryAfterMs?: number;
  /** Side of a hybrid run the failed attempt ran on, for stats. */
  side?: string;
}

/** The one error type fanout throws. `code` says what happened; `retryable` says whether the scheduler may retry. */
export class FanoutError extends Error {
  override readonly name = 'FanoutError';
  readonly code: FanoutErrorCode;
  readonly retryable: boolean;
  readonly batchId: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** Set on the error that fails a run: what had been merged so far, so finished work is not lost. */
  partial?: { result: unknown; batchesMerged: number };
  readonly side: string | undefined;
  /** Worker (timeline lane) the failed attempt ran on, when the backend knows it; set by the backend, for stats. */
  workerId?: string;
  /** What the failed attempt's map wrote to stdout/stderr, when it came back with the error (still delivered). */
  output?: TaskOutput;

  constructor(code: FanoutErrorCode, message: string, options: FanoutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.batchId = options.batchId;
    this.retryAfterMs = options.retryAfterMs;
    this.side = options.side;
  }
}

/** True when `err` is a {@link FanoutError}, optionally with the given code. */
export function isFanoutError(err: unknown, code?: FanoutErrorCode): err is FanoutError {
  return err instanceof FanoutError && (code === undefined || err.code === code);
}

/** Shorthand for an input error: `Expected \`name\` to be …, got \`value\``. */
export function inputError(message: string): FanoutError {
  return new FanoutError('EINPUT', message, { retryable: false });
}
