/**
 * Entry of a fetch thread: runs many requests at once on its own event loop, so TLS, decompression and body handling
 * stay off the main thread, and hands each body back by transferring its ArrayBuffer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FetchDoneMessage, FetchReplyMessage, FetchRequestMessage, FetchWorkerData } from './fetch-protocol.js';
import { FetchRunner } from './fetch-runner.js';

const data = workerData as FetchWorkerData;
const runner = new FetchRunner(data.options, data.counters, data.options.perThread, data.runId);
const port = parentPort;
if (!port) throw new Error('fetch-worker must run in a worker thread');

port.on('message', (msg: FetchRequestMessage) => {
  if (msg.type !== 'fetch') return;
  void runner.run(msg.url).then((reply) => {
    const done: FetchDoneMessage = { type: 'done', id: msg.id, ...reply };
    port.postMessage(done, reply.result.ok ? [reply.result.body] : []);
  });
});
port.postMessage({ type: 'ready' } satisfies FetchReplyMessage);
