/**
 * Where a lambda backend's offload goes, decided once at start: the local S3 server started with the emulator, the
 * bucket named by `--offload-bucket`, or (against AWS) the bucket the deployed function names in its configuration
 * (`FANOUT_OFFLOAD_BUCKET`, set by serverless.yml from the stack's bucket). The S3 SDK is loaded here only.
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CallerOffload } from './caller-offload.js';

/** The function's environment variable holding the offload bucket's name (serverless.yml: `!Ref OffloadBucket`). */
export const BUCKET_ENV = 'FANOUT_OFFLOAD_BUCKET';

/** What {@link openCallerOffload} needs. */
export interface OffloadPlace {
  bucket: string;
  /** S3 endpoint; undefined means AWS's in `region`. */
  endpoint: string | undefined;
  region: string;
  concurrency: number;
  /** The local S3 server fanout started (its key pair signs). */
  local: boolean;
  overBytes: number;
}

/** The caller's offload to `place` (loads @aws-sdk/client-s3). */
export async function openCallerOffload(place: OffloadPlace): Promise<CallerOffload> {
  const [{ ObjectStore }, { createS3Client }] = await Promise.all([
    import('./object-store.js'),
    import('./s3-client.js'),
  ]);
  const client = createS3Client(place);
  return new CallerOffload(new ObjectStore(client), { bucket: place.bucket, overBytes: place.overBytes });
}

/**
 * The offload bucket the deployed function names, or undefined when it names none (a stack deployed before the bucket
 * existed) or its configuration cannot be read (the caller lacks `lambda:GetFunctionConfiguration`): then nothing is
 * offloaded, and a batch too large for the invoke fails with EPAYLOAD saying what to do.
 */
export async function bucketOfFunction(client: LambdaClient, functionName: string): Promise<string | undefined> {
  try {
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const bucket = config.Environment?.Variables?.[BUCKET_ENV];
    return bucket && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) ? bucket : undefined;
  } catch {
    return undefined;
  }
}
