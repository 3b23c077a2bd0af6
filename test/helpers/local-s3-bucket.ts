import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS } from '../../orchestrator/emulator/local-s3-credentials.js';

/** A plain S3 client of a local S3 server, for tests to look into (and tamper with) its bucket. */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
}

/** Every key in `bucket`. */
export async function keysIn(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}
