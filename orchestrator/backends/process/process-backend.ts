import { type ChildProcess, fork } from 'node:child_process';
import { FanoutError } from '../../errors.js';
import { checkPositiveInt, defaultWorkers } from '../../options.js';
import type { TaskRef } from '../../tasks/task.js';
import type { Backend, BackendStartContext, BatchJob, BatchOutcome } from '../backend.js';
import { farSideEntry } from '../far-side-entry.js';
import type { Lane, LaneEvents } from '../pool/lane.js';
import type { FromFarSide } from '../pool/messages.js';
import { type BatchStartEvent, WorkerPool } from '../pool/worker-pool.js';

/** Options of {@link ProcessBackend}. */
export interface ProcessBackendOptions {
  /** Child processes in the pool (= batches in flight). @default number of cores */
  workers?: number;
}

/**
 * Runs batches in a pool of child processes over IPC, one batch per child at a time. Each child runs the same
 * trampoline the Lambda handler runs, so a process is a local stand-in for an invocation: its own heap, its own
 * event loop, exact CPU accounting, and a crash that takes down one child and nothing else.
 */
export class ProcessBackend implements Backend {
  readonly name = 'process';
  readonly #workers: number;
  #pool: WorkerPool | undefined;

  constructor(options: ProcessBackendOptions = {}) {
    this.#workers = options.workers === undefined ? defaultWorkers() : checkPositiveInt('workers', options.workers);
  }

  /** Forks every child in parallel, each loading the task, so pool start-up is not billed to the first batch. */
  async start(ctx: BackendStartContext): Promise<void> {
    if (this.#pool) throw new FanoutError('EINTERNAL', 'ProcessBackend.start called twice; stop it first');
    const entry = farSideEntry(import.meta.url, 'process-entry');
    const pool = new WorkerPool({
      kind: 'process',
      workers: this.#workers,
      spawn: (_slot, events) => spawnChild(entry, ctx.task, events),
    });
    this.#pool = pool;
    try {
      await pool.start();
    } catch (err) {
      this.#pool = undefined;
      throw err;
    }
  }

  capacity(): number {
    return this.#workers;
  }

  run(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', 'ProcessBackend.run before start'));
    return this.#pool.run(job, signal);
  }

  /** Stops every child (SIGTERM, then SIGKILL if one lingers) and waits until all have exited; safe to call twice. */
  async stop(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.stop();
  }

  /** Test hook: PID of the child in each slot (undefined while a slot is being refilled). */
  pids(): (number | undefined)[] {
    return this.#pool?.lanes().map((l) => l?.pid) ?? [];
  }

  /** Test hook: resolves with the next batch handed to a child. */
  nextBatchStart(): Promise<BatchStartEvent> {
    if (!this.#pool) return Promise.reject(new FanoutError('EINTERNAL', 'ProcessBackend not started'));
    return this.#pool.nextBatchStart();
  }

  /** Children started and not yet exited. */
  liveWorkers(): number {
    return this.#pool?.liveWorkers() ?? 0;
  }
}

function spawnChild(entry: string, ref: TaskRef, events: LaneEvents): Lane {
  // stdout → our stderr so a task's console.log never corrupts `--json`; execArgv: [] so a test runner's loader flags
  // are not inherited; 'advanced' serialization = structured clone, so typed arrays and Maps survive IPC.
  const child: ChildProcess = fork(entry, [JSON.stringify(ref)], {
    serialization: 'advanced',
    stdio: ['ignore', 2, 2, 'ipc'],
    execArgv: [],
  });
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
