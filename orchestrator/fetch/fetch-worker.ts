/**
 * Entry of a fetch thread: runs many requests at once on its own event loop, so TLS, decompression and body handling
 * stay off the main thread, and hands each body back by transferring its ArrayBuffer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedCounters } from '../accumulators/shared-counters.js';
import { ThreadCpuWindow } from '../far-side/thread-cpu.js';
import { guardedAgent } from './address-guard.js';
import type { FetchDoneMessage, FetchReplyMessage, FetchRequestMessage, FetchWorkerData } from './fetch-protocol.js';
import { type FetchResult, fetchUrl } from './fetch-url.js';

const data = workerData as FetchWorkerData;
const counters = new SharedCounters(data.counters);
// One connection per concurrent request this thread may run, kept alive across documents of the same host; every new
// connection passes the link-local / metadata guard (address-guard.ts) unless the user allowed those addresses.
const dispatcher = guardedAgent({
  connections: data.options.perThread,
  keepAliveTimeout: 10_000,
  allowLinkLocal: data.options.allowLinkLocal,
});
const headers: Record<string, string> = data.runId ? { 'x-fanout-run': data.runId } : {};
const port = parentPort;
if (!port) throw new Error('fetch-worker must run in a worker thread');
/** CPU windows over the thread's busy periods: loading this module and idle gaps are no fetch's. */
const cpu = new ThreadCpuWindow();
let inFlight = 0;

port.on('message', (msg: FetchRequestMessage) => {
  if (msg.type !== 'fetch') return;
  const startedAt = Date.now();
  if (inFlight++ === 0) cpu.restart();
  void fetchUrl(msg.url, data.options, {
    dispatcher,
    headers,
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
      inFlight--;
      const window = cpu.take();
      const reply: FetchDoneMessage = {
        type: 'done',
        id: msg.id,
        result,
        startedAt,
        endedAt: Date.now(),
        ...window,
      };
      port.postMessage(reply, result.ok ? [result.body] : []);
    });
});
port.postMessage({ type: 'ready' } satisfies FetchReplyMessage);
