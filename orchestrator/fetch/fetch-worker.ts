/**
 * Entry of a fetch thread: runs many requests at once on its own event loop, so TLS, decompression and body handling
 * stay off the main thread, and hands each body back by transferring its ArrayBuffer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Agent } from 'undici';
import { SharedCounters } from '../accumulators/shared-counters.js';
import type { FetchReplyMessage, FetchRequestMessage, FetchWorkerData } from './fetch-protocol.js';
import { type FetchResult, fetchUrl } from './fetch-url.js';

const data = workerData as FetchWorkerData;
const counters = new SharedCounters(data.counters);
// One connection per concurrent request this thread may run, kept alive across documents of the same host.
const dispatcher = new Agent({ connections: data.options.perThread, keepAliveTimeout: 10_000 });
const port = parentPort;
if (!port) throw new Error('fetch-worker must run in a worker thread');

port.on('message', (msg: FetchRequestMessage) => {
  if (msg.type !== 'fetch') return;
  const startedAt = Date.now();
  void fetchUrl(msg.url, data.options, {
    dispatcher,
    onAttempt: (cls, bytes) =>
      counters.add({ attempts: 1, [cls]: 1, ...(bytes === undefined ? {} : { docs: 1, bytes }) }),
  })
    .catch(
      (err: unknown): FetchResult => ({
        ok: false,
        url: msg.url,
        reason: `fetch thread error: ${String(err)}`,
        attempts: 0,
      }),
    )
    .then((result) => {
      if (!result.ok) counters.add({ failed: 1 });
      const reply: FetchReplyMessage = { type: 'done', id: msg.id, result, startedAt, endedAt: Date.now() };
      port.postMessage(reply, result.ok ? [result.body] : []);
    });
});
