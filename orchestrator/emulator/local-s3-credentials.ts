/**
 * The key pair of the local S3 server: s3rver knows this one key id (and fanout starts it accepting any signature).
 * A light module: the emulator passes it to the worker function, the caller's S3 client signs with it.
 */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
