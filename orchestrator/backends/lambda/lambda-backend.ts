import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type Emulator, openEmulator } from '../../emulator/emulator-owner.js';
import { FanoutError, isFanoutError } from '../../errors.js';
import { OFFLOAD_OVER_BYTES } from '../../far-side/payload-limit.js';
import { type BatchReply, BatchReplySchema, type BatchRequest, describeIssues } from '../../far-side/wire.js';
import type { CallerOffload, PreparedEvent } from '../../offload/caller-offload.js';
import { bucketOfFunction, openCallerOffload } from '../../offload/open-offload.js';
import { checkIntInRange, checkPositiveInt, checkStage, DEFAULTS, type LambdaOptions } from '../../options.js';
import { wireTaskOf } from '../../tasks/registry.js';
import type { TaskRef } from '../../tasks/task.js';
import type { AttemptCancel, AttemptHandle, Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';
import { attemptOf } from '../signal-cancel.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { createLambdaClient, isRequestTimeout } from './lambda-client.js';
import { AUTO_ENDPOINT, checkLambdaEndpoint } from './lambda-endpoint.js';
import { classifyInvokeError, functionErrorFrom, type InvokeTarget } from './lambda-errors.js';
import { encodeEvent, MAX_BATCH_PAYLOAD_BYTES } from './payload.js';
import { SdkAbortSignal } from './sdk-abort-signal.js';

/** Settings of {@link LambdaBackend} beyond the user-facing {@link LambdaOptions}. */
export interface LambdaBackendOptions extends LambdaOptions {
  /** Deadline of one invoke, ms: the function's timeout plus network slack. @default options.ts DEFAULTS.invokeTimeoutMs */
  invokeTimeoutMs?: number;
}

/**
 * Runs batches as synchronous Lambda invocations (`InvokeCommand`, RequestResponse) of the `worker` function: one
 * invoke per `run`. Throttling lowers the in-flight limit (AIMD, see {@link AdaptiveLimit}) and comes back as
 * ETHROTTLED with the server's Retry-After; like 5xx, network faults and function errors it is retried by the
 * scheduler alone, so every invoke is an attempt in the records and a batch has one budget (`throttleRetries`).
 * Events and replies over the offload threshold travel through S3 (offload/caller-offload.ts); where no bucket can be
 * known (a given endpoint without `offloadBucket`), batches over 6 MB are subdivided by `fanout()` before they are sent
 * ({@link maxPayloadBytes}).
 */
export class LambdaBackend implements Backend {
  readonly name = 'lambda';
  /**
   * Largest JSON batch this backend takes; `fanout()` subdivides bigger ones first. Undefined (any size) when it
   * offloads: the local S3 server with the emulator, `offloadBucket`, or AWS (the function's bucket); else 6 MB less
   * the envelope.
   */
  readonly maxPayloadBytes: number | undefined;
  /** Events and replies whose JSON is larger go through S3 (when this backend offloads): hybrid may prefer local for them. */
  readonly offloadOverBytes: number;
  #offload: Promise<CallerOffload | undefined> = Promise.resolve(undefined);
  readonly #options: LambdaBackendOptions;
  readonly #stage: string;
  readonly #functionName: string;
  readonly #region: string;
  readonly #invokeTimeoutMs: number;
  #endpoint: string | undefined;
  #limit: AdaptiveLimit;
  #client: LambdaClient | undefined;
  #emulator: Emulator | undefined;
  #task: { task: string; version: string } | undefined;

  constructor(options: LambdaBackendOptions = {}) {
    this.#options = options;
    if (options.concurrency !== undefined) checkPositiveInt('concurrency', options.concurrency);
    if (options.invokeTimeoutMs !== undefined) checkPositiveInt('invokeTimeoutMs', options.invokeTimeoutMs);
    this.#stage = checkStage('stage', options.stage ?? DEFAULTS.stage);
    this.#functionName = options.functionName ?? `fanout-${this.#stage}-worker`;
    this.#region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULTS.region;
    this.#endpoint = options.endpoint ?? process.env.FANOUT_LAMBDA_ENDPOINT;
    if (this.#endpoint === '') this.#endpoint = undefined;
    if (this.#endpoint !== undefined) checkLambdaEndpoint(this.#endpoint, 'lambda endpoint');
    this.#invokeTimeoutMs = options.invokeTimeoutMs ?? DEFAULTS.invokeTimeoutMs;
    this.#limit = new AdaptiveLimit(options.concurrency ?? this.#defaultConcurrency());
    this.offloadOverBytes =
      options.offloadBytes === undefined
        ? OFFLOAD_OVER_BYTES
        : checkIntInRange('offloadBytes', options.offloadBytes, 1, OFFLOAD_OVER_BYTES);
    const offloads =
      this.#endpoint === AUTO_ENDPOINT ||
      this.#endpoint === undefined ||
      options.offloadBucket !== undefined ||
      options.localS3 !== undefined;
    this.maxPayloadBytes = offloads ? undefined : MAX_BATCH_PAYLOAD_BYTES;
  }

  #defaultConcurrency(): number {
    // The emulator runs one worker thread per concurrent instance: keep it small unless the user asked for more.
    return this.#endpoint === AUTO_ENDPOINT ? DEFAULTS.emulatorConcurrency : DEFAULTS.lambdaConcurrency;
  }

  /** The task this backend was started for. */
  startedTask: TaskRef | undefined;

  async start(ctx: BackendStartContext): Promise<void> {
    this.startedTask = ctx.task;
    // Code is never sent: the function holds the task (packaged, or built into the emulator started here) and every
    // invoke names its id and exact version, which the function checks (EVERSION).
    // The task was resolved once for the run (fanout(), compare, plan): its bundle's name and version are all the
    // function needs.
    const ref = ctx.task;
    this.#task = wireTaskOf(ref);
    if (this.#endpoint === AUTO_ENDPOINT) {
      this.#emulator = await openEmulator({
        task: ref,
        stage: this.#stage,
        concurrency: this.#limit.max,
        signal: ctx.signal,
      });
      this.#endpoint = this.#emulator.endpoint;
      const s3 = this.#emulator.s3;
      this.#options.onEmulator?.({
        endpoint: this.#emulator.endpoint,
        pid: this.#emulator.pid,
        ...(s3 ? { s3: { endpoint: s3.endpoint, pid: s3.pid } } : {}),
      });
    }
    this.#client ??= createLambdaClient({
      endpoint: this.#endpoint,
      region: this.#region,
      concurrency: this.#limit.max,
    });
    this.#offload = this.#openOffload(this.#client);
    // a local or named bucket is ready before the first invoke; AWS's is looked up while the run starts
    if (this.#endpoint !== undefined) await this.#offload;
  }

  /** An event sent whole (no offload): EPAYLOAD when too large, saying how to get an offload bucket where one was expected. */
  #encode(event: BatchRequest): Uint8Array {
    if (this.maxPayloadBytes !== undefined) return encodeEvent(event);
    return encodeEvent(
      event,
      undefined,
      `the function names no offload bucket: deploy fanout's stack again (serverless.yml makes it) or pass --offload-bucket`,
    );
  }

  /** The offload of this run (see {@link maxPayloadBytes}), or undefined; never rejects. */
  async #openOffload(client: LambdaClient): Promise<CallerOffload | undefined> {
    const o = this.#options;
    const s3 = this.#emulator?.s3 ?? o.localS3;
    const bucket =
      s3?.bucket ??
      o.offloadBucket ??
      (this.#endpoint === undefined ? await bucketOfFunction(client, this.#functionName) : undefined);
    if (bucket === undefined) return undefined;
    return openCallerOffload({
      bucket,
      endpoint: s3?.endpoint ?? o.s3Endpoint,
      region: this.#region,
      concurrency: this.#limit.max,
      local: s3 !== undefined,
      overBytes: this.offloadOverBytes,
    }).catch(() => undefined);
  }

  capacity(): number {
    return this.#limit.current;
  }

  /** One invoke, cancelled by the attempt itself: no AbortController per invoke (see {@link SdkAbortSignal}). */
  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    const cancel: AttemptCancel = attempt;
    const client = this.#client;
    const task = this.#task;
    if (!client || !task) throw new FanoutError('EINTERNAL', 'LambdaBackend.runAttempt before start');
    if (cancel.aborted) throw cancel.reason;
    const event: BatchRequest = { ...task, batchId: job.id, batch: job.batch };
    const offload = await this.#offload;
    // a real signal only when it has to wait for a slot (after a throttle halved the limit)
    if (!this.#limit.tryAcquire()) await this.#limit.acquire(attempt.signal);
    let prepared: PreparedEvent | undefined;
    let reply: BatchReply | undefined;
    const sdkAbort = new SdkAbortSignal(cancel);
    try {
      prepared = offload ? await offload.prepare(event, sdkAbort) : undefined;
      const startedAt = Date.now();
      reply = await this.#invoke(client, job, prepared?.payload ?? this.#encode(event), sdkAbort);
      const partial = offload ? await offload.partialOf(reply, sdkAbort) : reply.partial;
      this.#limit.onSuccess();
      return outcomeOf(reply, partial, startedAt);
    } catch (err) {
      if (cancel.aborted) throw cancel.reason;
      const error = isFanoutError(err)
        ? err
        : new FanoutError('EINTERNAL', String(err), { cause: err, batchId: job.id });
      if (error.code === 'ETHROTTLED') {
        this.#limit.onThrottle();
      }
      throw error;
    } finally {
      sdkAbort.dispose();
      this.#limit.release();
      // the attempt's objects go whatever the outcome; one left by a failed delete expires with the lifecycle rule
      if (offload && prepared) await offload.release(prepared, reply).catch(() => undefined);
    }
  }

  /**
   * Asks the function whether it holds this backend's task at this exact version, mapping nothing: resolves when it
   * does, rejects with EVERSION (or the invoke's own error) when not. `compare` asks before it runs any backend.
   */
  async probe(signal: AbortSignal = new AbortController().signal): Promise<void> {
    const client = this.#client;
    const task = this.#task;
    if (!client || !task) throw new FanoutError('EINTERNAL', 'LambdaBackend.probe before start');
    const job: BatchJob = { id: 'probe', batch: null, attempt: 1 };
    const event = encodeEvent({ ...task, batchId: job.id, batch: null, probe: true });
    const sdkAbort = new SdkAbortSignal(attemptOf(signal));
    try {
      await this.#invoke(client, job, event, sdkAbort);
    } finally {
      sdkAbort.dispose();
    }
  }

  /** One invoke and its checked reply; faults become typed errors (see lambda-errors.ts). */
  async #invoke(
    client: LambdaClient,
    job: BatchJob,
    payload: Uint8Array,
    sdkAbort: SdkAbortSignal,
  ): Promise<BatchReply> {
    // The client's handler enforces the deadline itself (requestTimeout + throwOnRequestTimeout, see
    // createLambdaClient): no extra controller, timer and listener per invoke.
    try {
      const reply = await client.send(
        new InvokeCommand({ FunctionName: this.#functionName, InvocationType: 'RequestResponse', Payload: payload }),
        { abortSignal: sdkAbort, requestTimeout: this.#invokeTimeoutMs },
      );
      if (reply.FunctionError) throw functionErrorFrom(reply.FunctionError, reply.Payload, job.id);
      return parseReply(reply.Payload, job.id);
    } catch (err) {
      if (isFanoutError(err)) throw err;
      if (isRequestTimeout(err) && !sdkAbort.aborted) {
        throw new FanoutError(
          'ETIMEOUT',
          `no reply from ${this.#functionName} for batch ${job.id} within ${this.#invokeTimeoutMs} ms`,
          {
            cause: err,
            batchId: job.id,
          },
        );
      }
      if (sdkAbort.aborted) throw sdkAbort.reason;
      const target: InvokeTarget = { functionName: this.#functionName, endpoint: this.#endpoint, region: this.#region };
      throw classifyInvokeError(err, job.id, target);
    }
  }

  async stop(): Promise<void> {
    const offload = await this.#offload;
    this.#offload = Promise.resolve(undefined);
    // before the local S3 server stops: objects of attempts cut short by a stop or an interrupt go now
    await offload?.close().catch(() => undefined);
    this.#client?.destroy();
    this.#client = undefined;
    const emulator = this.#emulator;
    this.#emulator = undefined;
    if (emulator) {
      this.#endpoint = AUTO_ENDPOINT;
      await emulator.stop();
    }
  }
}

/** The scheduler's outcome of a checked reply whose partial was read (inline or from S3). */
function outcomeOf(body: BatchReply, partial: unknown, startedAt: number): BatchOutcome {
  return {
    partial,
    workerId: `lambda-${body.instanceId ?? 'unknown'}`,
    side: 'lambda',
    ...(body.cpuMs !== undefined ? { cpuMs: body.cpuMs } : {}),
    ...(body.durationMs !== undefined ? { durationMs: body.durationMs } : {}),
    ...(body.coldStart !== undefined ? { coldStart: body.coldStart } : {}),
    ...(typeof body.initMs === 'number' && body.initMs >= 0 ? { initMs: body.initMs } : {}),
    ...(body.output ? { output: body.output } : {}),
    startedAt,
    endedAt: Date.now(),
  };
}

/** Parses and checks the worker's reply with the wire schema; a reply for another batch is a remote bug, not a partial. */
function parseReply(payload: Uint8Array | undefined, batchId: string): BatchReply {
  let body: unknown;
  try {
    // a view on the SDK's bytes, not a copy: replies can be megabytes
    const bytes = payload ?? new Uint8Array();
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new FanoutError('EREMOTE', `worker reply for batch ${batchId} is not JSON`, { cause: err, batchId });
  }
  const parsed = BatchReplySchema.safeParse(body);
  if (!parsed.success || parsed.data.batchId !== batchId) {
    const why = parsed.success ? `batchId is \`${parsed.data.batchId}\`` : describeIssues(parsed.error.issues);
    throw new FanoutError(
      'EREMOTE',
      `worker reply for batch ${batchId} lacks { batchId: "${batchId}", partial }: ${why}`,
      {
        batchId,
      },
    );
  }
  return parsed.data;
}
