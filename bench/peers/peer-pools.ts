/**
 * The peer pools of the peers benchmark behind one shape: start once (warm), run a list of messages with every one
 * submitted at once (each pool queues the rest its own way), stop. Each runs 2 workers, like fanout's pools in the run.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { faastLocal, type LocalFaastModule } from 'faastjs';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import { repoRoot } from '../bench-results.js';
import type { PeerMessage, PeerReply } from './peer-work.js';

/** A warm peer pool. */
export interface PeerPool {
  readonly name: string;
  /** `thread` or `process`: which fanout backend it is compared with. */
  readonly kind: 'thread' | 'process';
  /**
   * Most messages one timed run sends (a slow peer runs a prefix of the list and its wall time is scaled to the whole
   * list); absent: all of them.
   */
  readonly maxMessages?: number;
  start(): Promise<void>;
  runAll(messages: readonly PeerMessage[]): Promise<PeerReply[]>;
  stop(): Promise<void>;
}

const peersDir = join(repoRoot, 'dist', 'bench', 'peers');

/** piscina, 2 threads, default queue. */
export function piscinaPool(workers: number): PeerPool {
  let pool: Piscina | undefined;
  return {
    name: 'piscina',
    kind: 'thread',
    async start() {
      pool = new Piscina({
        filename: pathToFileURL(join(peersDir, 'peer-thread-worker.js')).href,
        minThreads: workers,
        maxThreads: workers,
      });
      await Promise.all(Array.from({ length: workers * 4 }, () => pool?.run({ k: 'noop' })));
    },
    runAll: (messages) => Promise.all(messages.map((m) => (pool as Piscina).run(m) as Promise<PeerReply>)),
    async stop() {
      await pool?.destroy();
    },
  };
}

/** tinypool, 2 threads. */
export function tinypoolPool(workers: number): PeerPool {
  let pool: Tinypool | undefined;
  return {
    name: 'tinypool',
    kind: 'thread',
    async start() {
      pool = new Tinypool({
        filename: pathToFileURL(join(peersDir, 'peer-thread-worker.js')).href,
        minThreads: workers,
        maxThreads: workers,
      });
      await Promise.all(Array.from({ length: workers * 4 }, () => pool?.run({ k: 'noop' })));
    },
    runAll: (messages) => Promise.all(messages.map((m) => (pool as Tinypool).run(m) as Promise<PeerReply>)),
    async stop() {
      await pool?.destroy();
    },
  };
}

/** workerpool with `workerType: 'process'` (child processes), 2 workers. */
export function workerpoolPool(workers: number): PeerPool {
  let pool: workerpool.Pool | undefined;
  return {
    name: 'workerpool (processes)',
    kind: 'process',
    async start() {
      pool = workerpool.pool(join(peersDir, 'peer-workerpool-worker.js'), {
        minWorkers: workers,
        maxWorkers: workers,
        workerType: 'process',
      });
      await Promise.all(Array.from({ length: workers * 4 }, () => pool?.exec('run', [{ k: 'noop' }])));
    },
    runAll: (messages) =>
      Promise.all(messages.map((m) => (pool as workerpool.Pool).exec('run', [m]) as Promise<PeerReply>)),
    async stop() {
      await pool?.terminate();
    },
  };
}

/**
 * Raw `child_process.fork` + IPC: 2 children, up to `inFlight` messages outstanding in all (spread round-robin), the
 * next one sent as each reply arrives. No retries, no timeouts, no records: the floor.
 */
export function rawForkPool(workers: number, inFlight = 64): PeerPool {
  const children: ChildProcess[] = [];
  return {
    name: `raw fork + IPC (${inFlight} in flight)`,
    kind: 'process',
    async start() {
      for (let i = 0; i < workers; i++) {
        const child = fork(join(peersDir, 'peer-fork-child.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        await new Promise<void>((resolve) => child.once('message', () => resolve()));
        children.push(child);
      }
    },
    runAll(messages) {
      const replies: PeerReply[] = new Array(messages.length);
      let next = 0;
      let done = 0;
      return new Promise((resolve) => {
        if (messages.length === 0) resolve(replies);
        const send = (child: ChildProcess): void => {
          const id = next++;
          child.send({ id, m: messages[id] });
        };
        for (const child of children) {
          child.removeAllListeners('message');
          child.on('message', (msg: { id: number; r: PeerReply }) => {
            replies[msg.id] = msg.r;
            done++;
            if (done === messages.length) resolve(replies);
            else if (next < messages.length) send(child);
          });
        }
        for (let i = 0; i < inFlight && next < messages.length; i++)
          send(children[i % children.length] as ChildProcess);
      });
    },
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

type FaastFunctions = { run(m: PeerMessage): Promise<PeerReply> };

/**
 * faast.js's local provider with `childProcess: true` (its functions run in forked processes, as on its cloud
 * providers' far side), concurrency 2. It costs ~1 ms per call, so a timed run sends at most `maxMessages`.
 */
export function faastPool(workers: number, maxMessages = 2_000): PeerPool {
  let mod: LocalFaastModule<FaastFunctions> | undefined;
  return {
    name: 'faast.js local (processes)',
    kind: 'process',
    maxMessages,
    async start() {
      const fns = createRequire(import.meta.url)(join(peersDir, 'peer-faast-functions.cjs')) as FaastFunctions;
      mod = await faastLocal(fns, { concurrency: workers, childProcess: true, gc: 'off', mode: 'queue' });
      await Promise.all(Array.from({ length: workers * 4 }, () => mod?.functions.run({ k: 'noop' })));
    },
    runAll: (messages) => Promise.all(messages.map((m) => (mod as LocalFaastModule<FaastFunctions>).functions.run(m))),
    async stop() {
      await mod?.cleanup();
    },
  };
}
