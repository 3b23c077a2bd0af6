import { Worker } from 'node:worker_threads';

/** How often the watcher thread looks at the parent PID, ms. */
const POLL_MS = 200;

/**
 * The watcher runs in its own thread because the main thread of a child is often busy in a CPU-bound map for
 * seconds: an IPC `disconnect` (or a timer) would only be seen after the batch. `process.ppid` is read live; once it
 * changes, the parent is gone (crashed, `kill -9`) and the child was re-parented, so the whole process is killed at
 * once — nobody will read its result, and an orphan at 100 % CPU that later dies on EPIPE helps no one.
 */
const WATCHER = `
const { workerData } = require('node:worker_threads');
const { rmSync } = require('node:fs');
const { readdirSync, readFileSync } = require('node:fs');
// Our own descendants (the emulator's esbuild service), found by PID tree on Linux: killed first, so none of them
// writes into a folder after it was removed.
const descendants = (pid, out) => {
  let tids = [];
  try { tids = readdirSync('/proc/' + pid + '/task'); } catch { return out; }
  for (const tid of tids) {
    let kids = '';
    try { kids = readFileSync('/proc/' + pid + '/task/' + tid + '/children', 'utf8'); } catch {}
    for (const k of kids.trim().split(/\\s+/).filter(Boolean)) if (!out.includes(Number(k))) descendants(Number(k), out).push(Number(k));
  }
  return out;
};
setInterval(() => {
  if (process.ppid === workerData.ppid) return;
  for (const pid of descendants(process.pid, [])) {
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  for (const dir of workerData.remove) {
    // a child killed just now may still be closing files in it: retry rather than leave half a folder
    try { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); } catch {}
  }
  process.kill(process.pid, 'SIGKILL');
}, workerData.pollMs);
`;

let watching = false;

/**
 * Makes this process die with its parent: a small unref'd thread polls the parent PID and SIGKILLs this process when
 * it changes. Terminal signals (SIGINT from Ctrl-C reaching the whole process group, SIGHUP of a closed terminal) are
 * ignored: the parent owns the signal policy and stops its children itself, or this watch does when it is gone.
 * `remove`: folders to delete first (the emulator's build folder, which its parent can no longer remove).
 * Call once, early, on the far side of a child process (process backend, the emulator through `--import`).
 */
export function dieWithParent(remove: readonly string[] = []): void {
  if (watching) return;
  watching = true;
  const ppid = process.ppid;
  const worker = new Worker(WATCHER, {
    eval: true,
    workerData: { ppid, pollMs: POLL_MS, remove: [...remove] },
    stdout: false,
    stderr: false,
  });
  worker.unref();
  // A watcher that cannot start must not take the child down with it; the IPC disconnect handler still applies.
  worker.on('error', () => {});
  for (const sig of ['SIGINT', 'SIGHUP'] as const) process.on(sig, () => {});
}
