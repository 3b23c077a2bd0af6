/**
 * Far side of the thread backend: one worker thread, one batch at a time, the same {@link runBatch} trampoline the child
 * process and the Lambda handler run. CPU time is measured as the thread's event-loop busy time (`elu`), because
 * `process.cpuUsage()` would count every thread of the process.
 */
import { Console } from 'node:console';
import { parentPort, workerData } from 'node:worker_threads';
import type { TaskRef } from '../../tasks/task.js';
import { serveBatches } from '../pool/far-side-loop.js';
import type { ToFarSide } from '../pool/messages.js';

const port = parentPort;
if (!port) throw new Error('thread-entry must run in a worker thread');
const { ref } = workerData as { ref: TaskRef };
// A task's console.log goes to stderr, as in a child process: stdout belongs to the CLI's `--json` document.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

await serveBatches(ref, 'thread', {
  send: (msg) => port.postMessage(msg),
  onMessage: (handler) => port.on('message', (msg: ToFarSide) => handler(msg)),
});
