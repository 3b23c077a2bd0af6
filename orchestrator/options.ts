import { availableParallelism } from 'node:os';
import type { Backend, BackendName } from './backends/backend.js';
import { inputError } from './errors.js';
import type { TaskOutputEvent } from './run/task-output-lines.js';
import type { BatchRecord, FanoutProgress } from './stats.js';

/** Options of the Lambda backend (also used by hybrid). */
export interface LambdaOptions {
  /** Invoke API endpoint, e.g. `http://127.0.0.1:3002` for serverless-offline. @default env FANOUT_LAMBDA_ENDPOINT, else AWS */
  endpoint?: string;
  /** Function name or ARN. @default `fanout-<stage>-worker` */
  functionName?: string;
  /** @default env AWS_REGION, else us-east-1 */
  region?: string;
  /** Deployment stage, used for the default function name. @default dev */
  stage?: string;
  /** Invocations in flight at most (lowered adaptively on throttling). @default {@link DEFAULTS}.lambdaConcurrency */
  concurrency?: number;
  /** Memory of the function in MB, for the cost estimate. @default serverless.yml's value, else 1024 */
  memoryMb?: number;
  /** @default arm64 */
  architecture?: 'arm64' | 'x86_64';
  /**
   * S3 bucket that events and replies too large for an invoke go through (under `fanout-offload/`). @default the local
   * S3 server's with the emulator; against AWS the deployed function's (`FANOUT_OFFLOAD_BUCKET`, from the stack)
   */
  offloadBucket?: string;
  /** S3 endpoint of `offloadBucket` (a local S3-compatible server). @default AWS's, or env AWS_ENDPOINT_URL_S3 */
  s3Endpoint?: string;
  /**
   * An event or reply whose JSON is larger goes through S3: at most, and by default, what still fits in Lambda's 6 MB
   * synchronous limit with room for the envelope (far-side/payload-limit.ts). @default 6,287,360
   */
  offloadBytes?: number;
  /**
   * A local S3 server already running for the emulator at `endpoint` (as `compare` starts one for every backend): its
   * bucket is the offload bucket and its key pair signs. @default none; endpoint `auto` starts its own
   */
  localS3?: { endpoint: string; bucket: string };
  /** Called when the backend started the local emulator itself (endpoint `auto`), with where it and its S3 server listen. */
  onEmulator?: (emulator: { endpoint: string; pid: number; s3?: { endpoint: string; pid: number } }) => void;
}

/** The run a record passed to {@link FanoutOptions.onRecord} belongs to. */
export interface RunInfo {
  /** Backend of the run (`process`, `hybrid`, …); a record's `side` says where it ran. */
  backend: string;
  /** Time 0 of the run's records, ms since epoch. */
  startedAt: number;
}

/** Options of {@link fanout}. */
export interface FanoutOptions {
  /** Where batches run: a backend name or a backend instance you started yourself. @default {@link DEFAULTS}.backend */
  backend?: BackendName | Backend;
  /**
   * Pool size for thread/process (and the local side of hybrid): 1 to {@link maxWorkers} (4 × cores); more only adds
   * forks and contention. @default number of cores
   */
  workers?: number;
  /**
   * Batches queued on each thread/process worker beyond the one it runs, so it never idles for a round trip between
   * batches (pipelined dispatch). 1 = one batch per worker at a time. This is the most: the depth in use follows the
   * measured map time, enough batches for about 4 ms of work, so tiny batches get all of it, and up to half of it goes
   * to a worker in one message (automatic batching of tiny batches: each keeps its own id, result, retries and record;
   * the batches themselves, and `batchSize`, are never changed). Batches of 2 ms and more get 2 (one running, one
   * queued), which already hides the round trip without committing many batches to one worker. Timeouts and the timeline count from the moment a worker
   * begins a batch, not from when it was queued. The hybrid backend's local side places batches against its
   * workers (its side choice needs to know when a slot frees) and uses this queue only while it is the one side open. @default {@link DEFAULTS}.queueDepth
   */
  queueDepth?: number;
  /** Items per batch; task-specific meaning (a range length for primes). @default chosen by the task */
  batchSize?: number;
  /** Stops the run: in-flight batches are cancelled and the promise rejects with ECANCEL. */
  signal?: AbortSignal;
  /** Called as batches finish, and (pipelines) as fetches finish, with the fetch stage's live counters. */
  onProgress?: (progress: FanoutProgress) => void;
  /**
   * Called with every ended attempt and every fetch as its record is made — all of them, even past the cap on
   * `stats.records` — with the backend and the run's start (ms since epoch) the record's times are relative to.
   * For traces and live logs.
   */
  onRecord?: (record: BatchRecord, run: RunInfo) => void;
  /**
   * Called with what each attempt's map wrote to stdout/stderr (console.* and process.stdout/stderr.write), on every
   * backend: its lines, the lane that ran it, the batch and attempt, how the attempt ended, and the bytes cut beyond the
   * first 8 KB of a batch. Failed attempts' output comes too. Pass `() => {}` to drop it; `record.output` keeps it.
   * @default each line to stderr as `[lane] line` (run/task-output-lines.ts `printTaskOutput`)
   */
  onTaskOutput?: (output: TaskOutputEvent) => void;
  /** Per-attempt timeout, ms; 0 disables. @default {@link DEFAULTS}.timeoutMs */
  timeoutMs?: number;
  /** Retries per batch for retryable faults (crash, timeout, 5xx, network, task errors). @default {@link DEFAULTS}.retries */
  retries?: number;
  /**
   * Further attempts per batch when the backend throttles it (Lambda 429): flow control, so they do not use up
   * `retries`. With `retries`, the whole budget of a batch is `1 + retries + throttleRetries` attempts, every one in
   * the records. @default {@link DEFAULTS}.throttleRetries
   */
  throttleRetries?: number;
  /** Re-run stragglers on an idle side once the queue is empty. @default true for hybrid, false otherwise */
  speculate?: boolean;
  /** Lambda settings (lambda and hybrid backends). */
  lambda?: LambdaOptions;
  /**
   * File to record the run in as batches merge (atomically replaced, fsynced), so an interrupted or killed run can be
   * finished with `resumeFrom`. Must not exist yet unless it is also `resumeFrom`. @default no journal
   */
  journal?: string;
  /**
   * Journal of an interrupted run of the same task, version, input and batch size: only its missing batches run, and
   * the journal goes on recording (into `journal` if given, else this file). `stats.resumed` counts the batches taken
   * from it. @default none
   */
  resumeFrom?: string;
}

/**
 * Every run option's default, in one place: `fanout()` resolves options with {@link resolveRunOptions}, the CLI
 * shows these in `--help`, and the scheduler and backends take resolved values (no defaults of their own).
 */
export const DEFAULTS = {
  backend: 'process',
  /**
   * Batches per thread/process worker (running + queued), chosen by measurement: bench/dispatch.ts, 20,000 no-op
   * tasks on 2 workers (docs/performance.md).
   */
  queueDepth: 32,
  /** Per-attempt timeout, ms (0 = none). */
  timeoutMs: 600_000,
  retries: 2,
  throttleRetries: 8,
  /** Lambda invocations in flight against AWS or a given endpoint. */
  lambdaConcurrency: 100,
  /** …and against an emulator fanout starts (a ~12 MB worker thread per concurrent instance). */
  emulatorConcurrency: 32,
  stage: 'dev',
  region: 'us-east-1',
  /** Deadline of one invoke, ms: the function's timeout (serverless.yml: 60 s) plus network slack. */
  invokeTimeoutMs: 70_000,
  /** Hybrid: side faults in a row after which a side gets no more work in the run. */
  unhealthyAfter: 2,
} as const;

/** Default pool size: one worker per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** Largest accepted pool size: 4 workers per core (a pool of CPU-bound workers gains nothing beyond the cores). */
export function maxWorkers(): number {
  return 4 * availableParallelism();
}

/** Checks a pool size (`name` is how the caller spells it: `workers` or `--workers`): an integer from 1 to 4 × cores. */
export function checkWorkers(name: string, value: unknown): number {
  const max = maxWorkers();
  const workers = checkPositiveInt(name, value);
  if (workers > max) {
    throw inputError(
      `Expected \`${name}\` to be an integer from 1 to ${max} (4 × ${availableParallelism()} cores), got \`${workers}\``,
    );
  }
  return workers;
}

/** A thread or process pool's size and queue depth, checked and defaulted (what its constructor takes in). */
export function resolvePoolOptions(options: { workers?: number | undefined; queueDepth?: number | undefined }): {
  workers: number;
  queueDepth: number;
} {
  return {
    workers: options.workers === undefined ? defaultWorkers() : checkWorkers('workers', options.workers),
    queueDepth:
      options.queueDepth === undefined ? DEFAULTS.queueDepth : checkPositiveInt('queueDepth', options.queueDepth),
  };
}

/** The run-shaping options after {@link resolveRunOptions}: every field present and checked. */
export interface ResolvedRunOptions {
  workers: number;
  queueDepth: number;
  batchSize: number | undefined;
  timeoutMs: number;
  retries: number;
  throttleRetries: number;
}

/**
 * Checks the run-shaping options and fills in their defaults. NaN or Infinity retries would retry a failing batch
 * forever, and a negative or NaN timeout would silently disable it: each is one EINPUT naming the option.
 */
export function resolveRunOptions(options: FanoutOptions): ResolvedRunOptions {
  return {
    ...resolvePoolOptions(options),
    batchSize: options.batchSize === undefined ? undefined : checkPositiveInt('batchSize', options.batchSize),
    timeoutMs: checkNonNegativeInt('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs),
    retries: checkNonNegativeInt('retries', options.retries ?? DEFAULTS.retries),
    throttleRetries: checkNonNegativeInt('throttleRetries', options.throttleRetries ?? DEFAULTS.throttleRetries),
  };
}

/** A deployment stage: letters, digits and dashes (it names the function `fanout-<stage>-worker`). */
export function checkStage(name: string, stage: string): string {
  if (!/^[A-Za-z0-9-]{1,32}$/.test(stage)) {
    throw inputError(`Expected \`${name}\` to be letters, digits and dashes, got \`${stage}\``);
  }
  return stage;
}

/** Checks a positive integer option and names it when it is wrong (p-queue style). */
export function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw inputError(`Expected \`${name}\` to be a positive integer, got \`${String(value)}\``);
  }
  return value;
}

/** Checks a non-negative integer option. */
export function checkNonNegativeInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw inputError(`Expected \`${name}\` to be a non-negative integer, got \`${String(value)}\``);
  }
  return value;
}

/** Checks an integer option within [min, max], naming it in the error. */
export function checkIntInRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw inputError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${String(value)}\``);
  }
  return value;
}
