/**
 * Far side of the process backend: a child process forked with an IPC channel, one batch at a time, the same
 * {@link runBatch} trampoline the worker thread and the Lambda handler run. One batch at a time means
 * `process.cpuUsage()` is exactly the batch's CPU time.
 */
import type { TaskRef } from '../tasks/task.js';
import { loadMessage } from './load-message.js';
import type { FromFarSide, ToFarSide } from './pool-messages.js';
import { serveBatches } from './serve-loop.js';
import { dieWithParentCheaply } from './shell-parent-watch.js';

const send = process.send?.bind(process);
if (!send) throw new Error('process-entry must be forked with an IPC channel');
// The parent is gone (crashed, killed): nobody will read our results, so don't linger as an orphan.
process.on('disconnect', () => process.exit(0));
// the task: in argv, or, for a child forked before its run knew it, in the first message
const ref = process.argv[2] !== undefined ? (JSON.parse(process.argv[2]) as TaskRef) : await loadMessage(process);

await serveBatches(ref, 'process', {
  send: (msg: FromFarSide) => {
    send(msg);
  },
  onMessage: (handler) => process.on('message', (msg) => handler(msg as ToFarSide)),
});
// …and when the parent dies mid-batch, while this thread is busy and cannot see the disconnect. Started once `ready` has
// gone out, in the same turn, so before any batch runs, and off the path to `ready`.
dieWithParentCheaply();
