/**
 * A local server fanout starts for a run (the emulator, the local S3 server) and owns: started in its own process
 * group, stopped by PID (the group, so whatever it spawned goes too) with its folder removed, and SIGKILLed with the
 * folder removed when fanout exits without stopping it, even on an uncaught error. `kill -9` of fanout is covered by the
 * child itself (the die-with-parent preload).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { FanoutError } from '../errors.js';

/** Running owned children and the folder each takes with it. */
const alive = new Map<ChildProcess, string>();
let exitHookInstalled = false;

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
 * Takes ownership of a just-spawned `detached` child and the folder `dir` it works in: returns the stop function
 * (SIGTERM to its group, SIGKILL after 5 s, wait for the exit, remove the folder; safe to call twice).
 */
export function ownChild(child: ChildProcess, dir: string): () => Promise<void> {
  installExitHook();
  alive.set(child, dir);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => alive.delete(child));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGTERM');
    const force = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Signals the child's process group (it leads one, see `detached`), falling back to the PID alone. */
function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}

/**
 * Resolves with what `ready` finds in the child's output (stdout and stderr, the last 4,000 characters); rejects with
 * the output so far when the child exits or `timeoutMs` passes first, and with the signal's reason on abort. The pipes
 * keep draining afterwards, so the child never blocks on a full one.
 */
export function waitForOutput<T>(
  child: ChildProcess,
  ready: (output: string) => T | undefined,
  opts: { what: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<T> {
  return new Promise((resolve, reject) => {
    let output = '';
    const done = (err: Error | undefined, found?: T): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve(found as T);
    };
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      const found = ready(output);
      if (found !== undefined) done(undefined, found);
    };
    const onExit = (code: number | null): void =>
      done(new FanoutError('ENETWORK', `${opts.what} exited (code ${code}) before it was ready:\n${output}`));
    const onAbort = (): void => done(opts.signal?.reason as Error);
    const timer = setTimeout(
      () => done(new FanoutError('ETIMEOUT', `${opts.what} not ready after ${opts.timeoutMs} ms:\n${output}`)),
      opts.timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
