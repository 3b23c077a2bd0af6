/**
 * A real S3-compatible server on loopback for the emulator's offload: s3rver (an optional peer dependency, like the
 * Serverless tooling), run as a child process fanout owns — its own process group, a data folder of its own, stopped by
 * PID with the folder removed (owned-child.ts), gone with fanout even after `kill -9` (the die-with-parent preload).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputError } from '../errors.js';
import { farSideFolderEntry } from '../far-side/entry-path.js';
import { fanoutPackage, findServiceRoot, packageDirFrom } from '../project/service-dir.js';
import { ownChild, waitForOutput } from './owned-child.js';

/** The bucket the local server is started with (s3rver wants 3–63 characters). */
export const LOCAL_BUCKET = 'fanout-offload';

/** A running local S3 server. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  pid: number;
  /** The one bucket it holds, made at start. */
  bucket: string;
  /** Stops the server by PID and removes its data folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalS3}. */
export interface LocalS3Options {
  /** Port on 127.0.0.1. @default 0: a free one, as the server reports it */
  port?: number;
  /** Folder to find s3rver from. @default the project's fanout service, else fanout's own */
  cwd?: string;
  /** @default 30000 */
  readyTimeoutMs?: number;
  /** Aborting it stops a starting server; start rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Starts s3rver on 127.0.0.1 with {@link LOCAL_BUCKET}, accepting any well-formed signature. */
export async function startLocalS3(opts: LocalS3Options = {}): Promise<LocalS3> {
  const bin = s3rverBin(opts.cwd ?? findServiceRoot());
  const dir = mkdtempSync(join(tmpdir(), 'fanout-s3-'));
  const args = [
    '--import',
    pathToFileURL(farSideFolderEntry('die-with-parent')).href,
    bin,
    ...['--directory', dir, '--address', '127.0.0.1', '--port', String(opts.port ?? 0), '--silent'],
    ...['--allow-mismatched-signatures', '--no-vhost-buckets', '--configure-bucket', LOCAL_BUCKET],
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, FANOUT_OWNED_DIR: dir };
  delete env.FANOUT_ESBUILD_DIR;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  const stop = ownChild(child, dir);
  let port: number;
  try {
    port = await waitForOutput(child, (out) => /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], {
      what: 'the local S3 server',
      timeoutMs: opts.readyTimeoutMs ?? 30_000,
      signal: opts.signal,
    }).then(Number);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, pid: child.pid as number, bucket: LOCAL_BUCKET, stop };
}

/** s3rver's bin as found from `dir`, else one EINPUT line naming the install. */
function s3rverBin(dir: string): string {
  const found = packageDirFrom(dir, 's3rver');
  if (!found) {
    const version = fanoutPackage().json.peerDependencies?.s3rver ?? '3.7.1';
    throw inputError(
      `the local S3 server for the emulator's offload needs s3rver, which is not installed: run \`npm i -D s3rver@${version}\` (or \`npx fanout init\`)`,
    );
  }
  return join(found, 'bin', 's3rver.js');
}
