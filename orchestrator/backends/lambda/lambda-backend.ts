import { setTimeout as delay } from 'node:timers/promises';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { FanoutError, inputError, isFanoutError } from '../../errors.js';
import { checkPositiveInt, type LambdaOptions } from '../../options.js';
import { backoffDelay } from '../../scheduler/backoff.js';
import type { TaskRef } from '../../tasks/task.js';
import type { Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { EMULATOR_DEFAULT_CONCURRENCY, type Emulator, startEmulator } from './emulator.js';
import { createLambdaClient, invokeDeadline, isRequestTimeout } from './lambda-client.js';
import { AUTO_ENDPOINT, checkLambdaEndpoint } from './lambda-endpoint.js';
import { classifyInvokeError, functionErrorFrom, type InvokeTarget } from './lambda-errors.js';
import { encodeEvent, MAX_BATCH_PAYLOAD_BYTES } from './payload.js';

/** Default in-flight invocations against a real or given endpoint. */
export const DEFAULT_LAMBDA_CONCURRENCY = 100;

/** Settings of {@link LambdaBackend} beyond the user-facing {@link LambdaOptions}. */
export interface LambdaBackendOptions extends LambdaOptions {
  /** Deadline of one invoke, ms: the function's timeout plus network slack. @default 70000 (serverless.yml: 60 s) */
  invokeTimeoutMs?: number;
  /** Throttled attempts retried inside the backend (flow control, not failures) before ETHROTTLED reaches the scheduler. @default 8 */
  throttleRetries?: number;
  /** Backoff for throttles: full jitter from `baseMs` doubling up to `maxMs`. @default { baseMs: 100, maxMs: 5000 } */
  throttleBackoff?: { baseMs?: number; maxMs?: number };
  /** A client to use instead of building one (tests, benchmarks). */
  client?: LambdaClient;
}

/** The reply of the worker function (functions/worker.ts). */
interface WorkerReplyJson {
  batchId: string;
  partial: unknown;
  cpuMs?: number;
  durationMs?: number;
  coldStart?: boolean;
  instanceId?: string;
}

/**
 * Runs batches as synchronous Lambda invocations (`InvokeCommand`, RequestResponse) of the `worker` function.
 * Throttling lowers the in-flight limit (AIMD, see {@link AdaptiveLimit}) and is retried here with jittered backoff;
 * 5xx, network faults and function errors are typed and left to the scheduler's retries. Batches over 6 MB are
 * subdivided by `fanout()` before they are sent ({@link maxPayloadBytes}).
 */
export class LambdaBackend implements Backend {
  readonly name = 'lambda';
  /** Largest JSON batch this backend sends; `fanout()` subdivides bigger ones first. */
  readonly maxPayloadBytes = MAX_BATCH_PAYLOAD_BYTES;
  readonly #options: LambdaBackendOptions;
  readonly #stage: string;
  readonly #functionName: string;
  readonly #region: string;
  readonly #invokeTimeoutMs: number;
  readonly #throttleRetries: number;
  #endpoint: string | undefined;
  #limit: AdaptiveLimit;
  #client: LambdaClient | undefined;
  #ownsClient = false;
  #emulator: Emulator | undefined;
  #task: string | undefined;
  #throttles = 0;

  constructor(options: LambdaBackendOptions = {}) {
    this.#options = options;
    if (options.concurrency !== undefined) checkPositiveInt('concurrency', options.concurrency);
    if (options.invokeTimeoutMs !== undefined) checkPositiveInt('invokeTimeoutMs', options.invokeTimeoutMs);
    this.#stage = options.stage ?? 'dev';
    if (!/^[A-Za-z0-9-]+$/.test(this.#stage)) {
      throw inputError(`Expected \`stage\` to be letters, digits and dashes, got \`${this.#stage}\``);
    }
    this.#functionName = options.functionName ?? `fanout-${this.#stage}-worker`;
    this.#region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.#endpoint = options.endpoint ?? process.env.FANOUT_LAMBDA_ENDPOINT;
    if (this.#endpoint === '') this.#endpoint = undefined;
    if (this.#endpoint !== undefined) checkLambdaEndpoint(this.#endpoint, 'lambda endpoint');
    this.#invokeTimeoutMs = options.invokeTimeoutMs ?? 70_000;
    this.#throttleRetries = options.throttleRetries ?? 8;
    this.#limit = new AdaptiveLimit(options.concurrency ?? this.#defaultConcurrency());
  }

  #defaultConcurrency(): number {
    // The emulator runs one worker thread per concurrent instance: keep it small unless the user asked for more.
    return this.#endpoint === AUTO_ENDPOINT ? EMULATOR_DEFAULT_CONCURRENCY : DEFAULT_LAMBDA_CONCURRENCY;
  }

  /** The function invoked, e.g. `fanout-dev-worker`. */
  get functionName(): string {
    return this.#functionName;
  }

  /** The endpoint in use (after `start`, the emulator's when `auto`); undefined means real AWS. */
  get endpoint(): string | undefined {
    return this.#endpoint;
  }

  /** Throttled invokes so far (each lowered the limit). */
  get throttles(): number {
    return this.#throttles;
  }

  /** The task this backend was started for. */
  startedTask: TaskRef | undefined;

  async start(ctx: BackendStartContext): Promise<void> {
    this.startedTask = ctx.task;
    if (ctx.task.kind !== 'builtin') {
      throw inputError(
        `The lambda backend runs built-in tasks only (the function bundles them; code is never sent), got module ${ctx.task.path}`,
      );
    }
    this.#task = ctx.task.name;
    if (this.#endpoint === AUTO_ENDPOINT) {
      this.#emulator = await startEmulator({ stage: this.#stage, maxConcurrency: this.#limit.max });
      this.#endpoint = this.#emulator.endpoint;
    }
    if (this.#options.client) {
      this.#client = this.#options.client;
    } else if (!this.#client) {
      this.#client = createLambdaClient({
        endpoint: this.#endpoint,
        region: this.#region,
        concurrency: this.#limit.max,
      });
      this.#ownsClient = true;
    }
  }

  capacity(): number {
    return this.#limit.current;
  }

  async run(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
    const client = this.#client;
    const task = this.#task;
    if (!client || !task) throw new FanoutError('EINTERNAL', 'LambdaBackend.run before start');
    const payload = encodeEvent({ task, batchId: job.id, batch: job.batch });
    for (let throttled = 0; ; throttled++) {
      await this.#limit.acquire(signal);
      let error: FanoutError;
      try {
        const outcome = await this.#invoke(client, job, payload, signal);
        this.#limit.onSuccess();
        return outcome;
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        error = isFanoutError(err) ? err : new FanoutError('EINTERNAL', String(err), { cause: err, batchId: job.id });
      } finally {
        this.#limit.release();
      }
      if (error.code !== 'ETHROTTLED') throw error;
      this.#throttles++;
      this.#limit.onThrottle();
      if (throttled >= this.#throttleRetries) throw error;
      await delay(
        backoffDelay(throttled + 1, this.#options.throttleBackoff, Math.random, error.retryAfterMs),
        undefined,
        {
          signal,
        },
      );
    }
  }

  async #invoke(client: LambdaClient, job: BatchJob, payload: Uint8Array, signal: AbortSignal): Promise<BatchOutcome> {
    // Our own client's handler enforces the deadline itself (requestTimeout + throwOnRequestTimeout, see
    // createLambdaClient): no extra controller, timer and listener per invoke. A caller's client may not, so it gets one.
    const deadline = this.#ownsClient ? undefined : invokeDeadline(signal, this.#invokeTimeoutMs);
    const startedAt = Date.now();
    try {
      const reply = await client.send(
        new InvokeCommand({ FunctionName: this.#functionName, InvocationType: 'RequestResponse', Payload: payload }),
        deadline ? { abortSignal: deadline.signal } : { abortSignal: signal, requestTimeout: this.#invokeTimeoutMs },
      );
      if (reply.FunctionError) throw functionErrorFrom(reply.FunctionError, reply.Payload, job.id);
      const body = parseReply(reply.Payload, job.id);
      return {
        partial: body.partial,
        workerId: `lambda-${body.instanceId ?? 'unknown'}`,
        side: 'lambda',
        ...(body.cpuMs !== undefined ? { cpuMs: body.cpuMs } : {}),
        ...(body.durationMs !== undefined ? { durationMs: body.durationMs } : {}),
        ...(body.coldStart !== undefined ? { coldStart: body.coldStart } : {}),
        startedAt,
        endedAt: Date.now(),
      };
    } catch (err) {
      if (isFanoutError(err)) throw err;
      if (deadline ? deadline.timedOut() : isRequestTimeout(err) && !signal.aborted) {
        throw new FanoutError(
          'ETIMEOUT',
          `no reply from ${this.#functionName} for batch ${job.id} within ${this.#invokeTimeoutMs} ms`,
          {
            cause: err,
            batchId: job.id,
          },
        );
      }
      if (signal.aborted) throw signal.reason;
      const target: InvokeTarget = { functionName: this.#functionName, endpoint: this.#endpoint, region: this.#region };
      throw classifyInvokeError(err, job.id, target);
    } finally {
      deadline?.clear();
    }
  }

  async stop(): Promise<void> {
    if (this.#ownsClient) this.#client?.destroy();
    this.#client = undefined;
    this.#ownsClient = false;
    const emulator = this.#emulator;
    this.#emulator = undefined;
    if (emulator) {
      this.#endpoint = AUTO_ENDPOINT;
      await emulator.stop();
    }
  }
}

/** Parses and checks the worker's reply; a reply for another batch is a remote bug, not a partial to merge. */
function parseReply(payload: Uint8Array | undefined, batchId: string): WorkerReplyJson {
  let body: unknown;
  try {
    // a view on the SDK's bytes, not a copy: replies can be megabytes
    const bytes = payload ?? new Uint8Array();
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new FanoutError('EREMOTE', `worker reply for batch ${batchId} is not JSON`, { cause: err, batchId });
  }
  const reply = body as Partial<WorkerReplyJson> | null;
  if (reply === null || typeof reply !== 'object' || !('partial' in reply) || reply.batchId !== batchId) {
    throw new FanoutError('EREMOTE', `worker reply for batch ${batchId} lacks { batchId: "${batchId}", partial }`, {
      batchId,
    });
  }
  return reply as WorkerReplyJson;
}
