import { AUTO_ENDPOINT } from '../backends/lambda/lambda-endpoint.js';
import type { CoordinatorEvent } from '../coordinator/coordinator-wire.js';
import type { ExecutionView } from '../coordinator/execution-view.js';
import { rehearse } from '../coordinator/local-rehearsal.js';
import { publishRehearsal } from '../coordinator/rehearsal-registry.js';
import { openEmulator } from '../emulator/emulator-owner.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';
import { attachHint } from './execution-lines.js';
import { divertInterrupts } from './interrupt.js';
import type { ProgressBar } from './progress-bar.js';

/** What {@link rehearseRun} needs. */
export interface RehearseRunOptions {
  id: string;
  task: AnyTask;
  ref: TaskRef;
  event: CoordinatorEvent;
  /** The emulator's endpoint, or `auto` to start one for the run. */
  endpoint: string;
  workerFunction: string;
  region: string;
  bar: ProgressBar;
}

/**
 * Runs the local rehearsal in this process, published for `status`/`result`/`cancel` while it lives. Ctrl-C (or a
 * closed terminal) detaches: the progress stops, the run goes on here to its end; Ctrl-C again, or `fanout cancel`,
 * stops it. Returns the finished view, or undefined when detached (nothing more to print).
 */
export async function rehearseRun(o: RehearseRunOptions): Promise<ExecutionView | undefined> {
  const emulator =
    o.endpoint === AUTO_ENDPOINT ? await openEmulator({ task: o.ref, concurrency: o.event.concurrency }) : undefined;
  let detached = false;
  let last: ExecutionView = { id: o.id, status: 'RUNNING', task: o.task.name, startedAt: Date.now(), done: 0 };
  let lastWrite = 0;
  const publish = (view: ExecutionView, force = false): void => {
    last = view;
    const now = Date.now();
    if (!force && now - lastWrite < 250) return;
    lastWrite = now;
    publishRehearsal({ ...view, pid: process.pid });
  };
  const stopNow = (): never => {
    publishRehearsal({ ...last, status: 'STOPPED', endedAt: Date.now(), pid: process.pid });
    process.stderr.write(`fanout: stopped ${o.id}\n`);
    process.exit(130);
  };
  const restore = divertInterrupts((signal) => {
    if (signal === 'SIGTERM' || detached) stopNow();
    detached = true;
    o.bar.done();
    process.stderr.write(`\nfanout: detached from ${o.id}; ${attachHint(o.id, true)}\n`);
  });
  try {
    publish(last, true);
    o.bar.log(
      `fanout: execution ${o.id}: a local rehearsal of the cloud coordinator, invoking the worker at ${emulator?.endpoint ?? o.endpoint}`,
    );
    const view = await rehearse({
      id: o.id,
      task: o.task,
      event: o.event,
      endpoint: emulator?.endpoint ?? o.endpoint,
      workerFunction: o.workerFunction,
      region: o.region,
      onProgress: (v) => {
        publish({ ...v });
        if (!detached) o.bar.update({ done: v.done, total: v.total, inFlight: 0, retries: 0 });
      },
    });
    publish(view, true);
    return detached ? undefined : view;
  } finally {
    restore();
    await emulator?.stop();
  }
}
