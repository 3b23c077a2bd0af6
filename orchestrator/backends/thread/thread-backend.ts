import type { FromFarSide, LoadTask } from '../../far-side/pool-messages.js';
import type { TaskRef } from '../../tasks/task.js';
import type { Lane, LaneEvents } from '../pool/lane.js';
import { PooledBackend, type PooledBackendOptions } from '../pool/pooled-backend.js';
import { startThreadWorker, takeEarlyThread } from './thread-worker.js';

/** Options of {@link ThreadBackend}. */
export type ThreadBackendOptions = PooledBackendOptions;

/**
 * Runs batches in a pool of worker threads, one batch per thread at a time. Threads share the process, so they start
 * fast and move data cheaply, but a CPU-bound map still needs its own core: the thread backend scales CPU work as far
 * as the cores go, like processes, with a smaller start-up cost.
 */
export class ThreadBackend extends PooledBackend {
  readonly name = 'thread';

  constructor(options: ThreadBackendOptions = {}) {
    super(options, 'thread-entry.bundle');
  }

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    // a thread the CLI started early (thread-worker.ts) is told its task now; any other is started with it. The
    // worker's stdout is not piped here (reading it keeps a MessagePort referenced, so an idle pool would hold the
    // process open); the entry points console at stderr.
    const early = takeEarlyThread();
    const worker = early ?? startThreadWorker(entry, ref);
    if (early) early.postMessage({ type: 'load', ref } satisfies LoadTask);
    let uncaught: string | undefined;
    worker.on('message', (msg: FromFarSide) => {
      // a task's output, forwarded by the entry: to stderr, so it can never corrupt `--json` on stdout
      if (msg.type === 'output') process.stderr.write(msg.text);
      else events.message(msg);
    });
    worker.on('error', (err) => {
      uncaught = err.message;
    });
    worker.on('exit', (code) => events.exit(uncaught ? `uncaught error: ${uncaught}` : `exit code ${code}`));
    return {
      pid: undefined,
      send: (msg) => worker.postMessage(msg),
      kill: () => void worker.terminate(),
      setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
    };
  }
}
