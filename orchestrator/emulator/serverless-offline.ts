import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { farSideFolderEntry } from '../far-side/entry-path.js';
import { DEFAULTS } from '../options.js';
import { findServiceRoot, serverlessTooling } from '../project/service-dir.js';
import { LOCAL_S3_CREDENTIALS } from './local-s3-credentials.js';
import { ownChild, waitForOutput } from './owned-child.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Invoke API port. @default a free port */
  port?: number;
  /**
   * Concurrency the emulator should be given. serverless-offline starts a worker thread (~12 MB) per concurrent
   * instance and has no limit of its own, so callers cap their in-flight invokes at this. @default DEFAULTS.emulatorConcurrency
   */
  maxConcurrency?: number;
  /** Stage, which names the function (`fanout-<stage>-worker`). @default DEFAULTS.stage */
  stage?: string;
  /** Directory holding serverless.yml. @default the current project's fanout service, else fanout's own */
  cwd?: string;
  /** How long to wait for the ready line. @default 60000 */
  readyTimeoutMs?: number;
  /** Forward the emulator's log lines to this process's stderr once it is ready (`fanout offline`). @default false */
  logs?: boolean;
  /**
   * User task modules the worker function carries besides the built-ins and fanout.config.json's tasks (an ad hoc
   * `run`/`compare` of `./tasks/x.ts`): each is bundled exactly as the caller bundles it, so the versions agree.
   */
  tasks?: readonly string[];
  /** Aborting it stops a starting emulator at once (Ctrl-C during start-up); start rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The local S3 server the worker function offloads through: passed as `AWS_ENDPOINT_URL_S3` and the server's key pair
   * (serverless-offline hands a function the AWS_* variables of its own environment, and no others).
   */
  s3Endpoint?: string;
}

/** A running serverless-offline. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: pass as the Lambda endpoint. */
  endpoint: string;
  port: number;
  pid: number;
  /** Recommended in-flight limit for this emulator. */
  maxConcurrency: number;
  /** Stops the emulator by PID and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts serverless-offline (the real node entry of osls, not `npx`, so the PID is the server's) with explicit free
 * ports on 127.0.0.1, waits for its ready line and returns its endpoint. serverless-esbuild builds the service's
 * worker function on the fly.
 */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const cwd = opts.cwd ?? findServiceRoot();
  const { slsEntry } = serverlessTooling(cwd);
  const port = opts.port ?? (await freePort());
  // All three ports explicitly: any port left out binds its default and clashes with a second emulator.
  const [httpPort, wsPort] = [await freePort(), await freePort()];
  opts.signal?.throwIfAborted();
  const args = [
    // It has no IPC channel to us: this preload makes it exit when we die, even by kill -9.
    '--import',
    pathToFileURL(farSideFolderEntry('die-with-parent')).href,
    slsEntry,
    'offline',
    'start',
    '--stage',
    opts.stage ?? DEFAULTS.stage,
    '--lambdaPort',
    String(port),
    '--httpPort',
    String(httpPort),
    '--websocketPort',
    String(wsPort),
  ];
  // A build folder of its own, outside the repository's .esbuild/ (see serverless.yml): `npm run package` deletes
  // .esbuild/ and `sls package` its work folder, which would pull the bundle out from under a running emulator, and
  // two emulators building into one folder would race. serverless-esbuild takes the folder relative to the service.
  const buildPath = mkdtempSync(join(tmpdir(), 'fanout-offline-'));
  const buildDir = relative(cwd, buildPath);
  const env: NodeJS.ProcessEnv = { ...process.env, FANOUT_ESBUILD_DIR: buildDir };
  if (opts.tasks && opts.tasks.length > 0) env.FANOUT_TASKS = JSON.stringify(opts.tasks.map((t) => resolve(t)));
  else delete env.FANOUT_TASKS;
  if (opts.s3Endpoint) {
    env.AWS_ENDPOINT_URL_S3 = opts.s3Endpoint;
    env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
    delete env.AWS_SESSION_TOKEN;
  }
  // Its own process group (detached): Ctrl-C in the terminal reaches only fanout, which stops it in order, and
  // stopping the group also stops the esbuild service it spawns.
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  const stop = ownChild(child, buildPath);
  try {
    // `Offline [http for lambda] listening on …:<port>`
    const ready = new RegExp(`listening on https?://[^\\s]+:${port}\\b`);
    await waitForOutput(child, (out) => (ready.test(out) ? true : undefined), {
      what: 'serverless-offline',
      timeoutMs: opts.readyTimeoutMs ?? 60_000,
      signal: opts.signal,
    });
    if (opts.logs) {
      child.stdout?.pipe(process.stderr, { end: false });
      child.stderr?.pipe(process.stderr, { end: false });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    maxConcurrency: opts.maxConcurrency ?? DEFAULTS.emulatorConcurrency,
    stop,
  };
}
