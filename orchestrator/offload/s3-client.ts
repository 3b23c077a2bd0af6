import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_S3_CREDENTIALS } from '../emulator/local-s3-credentials.js';

/** What {@link createS3Client} needs. */
export interface S3ClientOptions {
  /** S3 endpoint; undefined means AWS's (or `AWS_ENDPOINT_URL_S3`, which the SDK reads itself). */
  endpoint?: string | undefined;
  region: string;
  /** Requests in flight at most: sockets are sized to it. */
  concurrency: number;
  /** The local S3 server fanout started: its key pair instead of the credential chain. */
  local?: boolean;
}

/**
 * The S3 client of the caller's offload. Path-style addressing for any custom endpoint (a local server has no
 * per-bucket host names); `maxSockets` sized like the Lambda client's, for the same reason (the default 50 queues a
 * wider fan-out).
 */
export function createS3Client(opts: S3ClientOptions): S3Client {
  const agent = { keepAlive: true, maxSockets: Math.max(1, opts.concurrency) };
  return new S3Client({
    region: opts.region,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, httpsAgent: agent, connectionTimeout: 2000 }),
    ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
    ...(opts.local ? { credentials: LOCAL_S3_CREDENTIALS } : {}),
  });
}
