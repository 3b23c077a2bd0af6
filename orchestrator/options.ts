import { availableParallelism } from 'node:os';
import type { Backend, BackendName } from './backends/backend.js';
import { inputError } from './errors.js';
import type { SchedulerProgress } from './scheduler/scheduler.js';

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
  /** Invocations in flight at most (lowered adaptively on throttling). @default 100 */
  concurrency?: number;
  /** Memory of the function in MB, for the cost estimate. @default serverless.yml's value, else 1024 */
  memoryMb?: number;
  /** @default arm64 */
  architecture?: 'arm64' | 'x86_64';
}

/** Options of {@link fanout}. */
export interface FanoutOptions {
  /** Where batches run: a backend name or a backend instance you started yourself. @default 'process' */
  backend?: BackendName | Backend;
  /**
   * Pool size for thread/process (and the local side of hybrid): 1 to {@link maxWorkers} (4 × cores); more only adds
   * forks and contention. @default number of cores
   */
  workers?: number;
  /** Items per batch; task-specific meaning (a range length for primes). @default chosen by the task */
  batchSize?: number;
  /** Stops the run: in-flight batches are cancelled and the promise rejects with ECANCEL. */
  signal?: AbortSignal;
  /** Called as batches finish. */
  onProgress?: (progress: SchedulerProgress) => void;
  /** Per-attempt timeout, ms; 0 disables. @default 600000 */
  timeoutMs?: number;
  /** Retries per batch for retryable errors (crash, timeout, throttling, 5xx, task errors). @default 2 */
  retries?: number;
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
