import { availableParallelism } from 'node:os';
import type { Backend, BackendName } from './backends/backend.js';
import { inputError } from './errors.js';
import type { FanoutProgress } from './stats.js';

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
  /** Pool size for thread/process (and the local side of hybrid). @default number of cores */
  workers?: number;
  /** Items per batch; task-specific meaning (a range length for primes). @default chosen by the task */
  batchSize?: number;
  /** Stops the run: in-flight batches are cancelled and the promise rejects with ECANCEL. */
  signal?: AbortSignal;
  /** Called as batches finish, and (pipelines) as fetches finish, with the fetch stage's live counters. */
  onProgress?: (progress: FanoutProgress) => void;
  /** Per-attempt timeout, ms; 0 disables. @default 600000 */
  timeoutMs?: number;
  /** Retries per batch for retryable errors (crash, timeout, throttling, 5xx, task errors). @default 2 */
  retries?: number;
  /** Re-run stragglers on an idle side once the queue is empty. @default true for hybrid, false otherwise */
  speculate?: boolean;
  /** Lambda settings (lambda and hybrid backends). */
  lambda?: LambdaOptions;
}

/** Default pool size: one worker per core. */
export function defaultWorkers(): number {
  return availableParallelism();
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
