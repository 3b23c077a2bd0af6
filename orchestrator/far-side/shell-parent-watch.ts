import { spawn } from 'node:child_process';
import { dieWithParent } from './parent-watch.js';

/**
 * The watch of a child process's parent as a POSIX shell loop: every 0.2 s it stops when the child is gone, and
 * SIGKILLs the child when the parent is. A watcher thread (parent-watch.ts) does the same from inside, but starting a
 * thread costs a child about as much CPU as node's own start (~60 ms here, twice per run on 2 cores: the largest part
 * of `--backend process`'s start-up); the shell costs ~2 ms to start and a `sleep` fork per poll.
 * Arguments: $1 the parent's PID, $2 the child's.
 */
const WATCH = `
while sleep 0.2; do
  kill -0 "$2" 2>/dev/null || exit 0
  kill -0 "$1" 2>/dev/null || { kill -9 "$2"; exit 0; }
done`;

/**
 * Makes this child process die with its parent even while its main thread is busy in a CPU-bound map (an IPC
 * `disconnect` is only seen between batches): a shell loop where there is one, the watcher thread elsewhere (Windows).
 * Terminal signals are ignored as in {@link dieWithParent}: the parent owns the signal policy.
 */
export function dieWithParentCheaply(): void {
  if (process.platform === 'win32') {
    dieWithParent();
    return;
  }
  const watcher = spawn('/bin/sh', ['-c', WATCH, 'fanout-parent-watch', String(process.ppid), String(process.pid)], {
    stdio: 'ignore',
  });
  // no shell (a minimal container): the thread does it
  watcher.on('error', () => dieWithParent());
  watcher.unref();
  for (const sig of ['SIGINT', 'SIGHUP'] as const) process.on(sig, () => {});
}
