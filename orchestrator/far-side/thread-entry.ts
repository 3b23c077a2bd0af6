/**
 * Far side of the thread backend: one worker thread, one batch at a time, the same {@link runBatch} trampoline the child
 * process and the Lambda handler run. CPU time is the thread's own CPU time (see runBatch's `thread` measure), because
 * `process.cpuUsage()` would count every thread of the process.
 */
import { Console } from 'node:console';
import { parentPort, workerData } from 'node:worker_threads';
import type { TaskRef } from '../tasks/task.js';
import { loadMessage } from './load-message.js';
import type { ToFarSide } from './pool-messages.js';
import { serveBatches } from './serve-loop.js';

const port = parentPort;
if (!port) throw new Error('thread-entry must run in a worker thread');
// the task: in workerData, or, for a thread started before its run knew it, in the first message
const ref = (workerData as { ref?: TaskRef } | undefined)?.ref ?? (await loadMessage(port));
/**
 * Everything the task writes (console.log, process.stdout.write, stderr) goes to the main side as `output` messages and
 * from there to stderr: stdout belongs to the CLI's `--json` document. A worker's own stdout/stderr streams are piped
 * to the parent asynchronously and lose their last chunks when the worker is terminated; messages on the port arrive
 * in order, before the batch's result.
 */
const forward = (chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  port.postMessage({ type: 'output', text });
  const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
  if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
  return true;
};
process.stdout.write = forward as typeof process.stdout.write;
process.stderr.write = forward as typeof process.stderr.write;
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

await serveBatches(ref, 'thread', {
  send: (msg) => port.postMessage(msg),
  onMessage: (handler) => port.on('message', (msg: ToFarSide) => handler(msg)),
});
