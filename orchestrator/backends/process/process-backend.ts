import type { ChildProcess } from 'node:child_process';
import type { FromFarSide, LoadTask } from '../../far-side/pool-messages.js';
import type { TaskRef } from '../../tasks/task.js';
import type { Lane, LaneEvents } from '../pool/lane.js';
import { PooledBackend, type PooledBackendOptions } from '../pool/pooled-backend.js';
import { forkProcessChild, takeEarlyChild } from './process-child.js';

/** Options of {@link ProcessBackend}. */
export type ProcessBackendOptions = PooledBackendOptions;

/**
 * Runs batches in a pool of child processes over IPC, one batch per child at a time. Each child runs the same
 * trampoline the Lambda handler runs, so a process is a local stand-in for an invocation: its own heap, its own
 * event loop, exact CPU accounting, and a crash that takes down one child and nothing else.
 */
export class ProcessBackend extends PooledBackend {
  readonly name = 'process';

  constructor(options: ProcessBackendOptions = {}) {
    super(options, 'process-entry.bundle');
  }

  protected override spawn(entry: string, ref: TaskRef, events: LaneEvents): Lane {
    // a child the CLI forked early (process-child.ts) is told its task now; any other is forked with it
    const early = takeEarlyChild();
    const child: ChildProcess = early ?? forkProcessChild(entry, ref);
    if (early) early.send({ type: 'load', ref } satisfies LoadTask);
    let exited = false;
    const onExit = (detail: string): void => {
      if (exited) return;
      exited = true;
      events.exit(detail);
    };
    child.on('message', (msg) => events.message(msg as FromFarSide));
    child.on('exit', (code, signal) => onExit(signal ? `killed by ${signal}` : `exit code ${code}`));
    // 'error' without 'exit' happens when the fork itself failed (no pid).
    child.on('error', (err) => {
      if (child.pid === undefined) onExit(`could not start: ${err.message}`);
    });
    return {
      pid: child.pid,
      send: (msg) => {
        if (!child.connected) throw new Error('IPC channel closed');
        child.send(msg);
      },
      kill: (hard) => {
        child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      },
      setBusy: (busy) => {
        if (busy) {
          child.ref();
          child.channel?.ref();
        } else {
          child.unref();
          child.channel?.unref();
        }
      },
    };
  }
}
