import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FanoutError } from '../errors.js';
import { farSideFolderEntry } from '../far-side/entry-path.js';
import { DEFAULTS } from '../options.js';
import { findServiceRoot, serverlessTooling } from '../project/service-dir.js';

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

/** Running emulators and their build folders. */
const alive = new Map<ChildProcess, string>();
let exitHookInstalled = false;

/** Emulators must not outlive the process that started them, even on an uncaught error. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, dir] of alive) {
      if (child.pid) killGroup(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
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
  // Its own process group (detached): Ctrl-C in the terminal reaches only fanout, which stops it in order, and
  // stopping the group also stops the esbuild service it spawns.
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  installExitHook();
  alive.set(child, join(cwd, buildDir));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => alive.delete(child));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGTERM');
    const force = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
    rmSync(buildPath, { recursive: true, force: true });
  };
  try {
    await waitForReady(child, port, opts.readyTimeoutMs ?? 60_000, opts.signal);
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

/** Resolves on `Offline [http for lambda] listening on …:<port>`; rejects with the output so far on exit or timeout. */
function waitForReady(child: ChildProcess, port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => done(signal?.reason as Error);
    let output = '';
    const ready = new RegExp(`listening on https?://[^\\s]+:${port}\\b`);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      // Keep draining the pipes so the emulator never blocks on a full one.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (ready.test(output)) done();
    };
    const onExit = (code: number | null): void =>
      done(new FanoutError('ENETWORK', `serverless-offline exited (code ${code}) before it was ready:\n${output}`));
    const timer = setTimeout(
      () => done(new FanoutError('ETIMEOUT', `serverless-offline not ready after ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Signals the emulator's process group (it leads one, see `detached`), falling back to the PID alone. */
function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}
