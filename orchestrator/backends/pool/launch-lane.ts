import { FanoutError } from '../../errors.js';
import type { FromFarSide } from '../../far-side/pool-messages.js';
import { decodeFarSideError } from '../../far-side/wire-error.js';
import type { Lane, SpawnLane } from './lane.js';

/** What {@link launchLane} needs. */
export interface LaunchOptions {
  spawn: SpawnLane;
  slot: number;
  /** Worker id for messages (`process-1`). */
  id: string;
  readyTimeoutMs: number;
  /** A result or error reply, once the lane is ready. */
  onReply(lane: Lane, msg: FromFarSide): void;
  /** The lane exited after it was ready (a crash, a kill, a stop). */
  onExit(lane: Lane, detail: string): void;
}

/** A started lane: `ready` settles once the far side has loaded its task; `exited` resolves when the worker is gone. */
export interface LaunchedLane {
  lane: Lane;
  ready: Promise<void>;
  exited: Promise<void>;
}

/**
 * Spawns one worker and runs the start-up handshake: `ready` resolves on the far side's `ready`, and rejects on
 * `init-error` (the task module is bad: EINPUT, as inline), on an exit before ready, or after `readyTimeoutMs`. A
 * lane that fails to start is killed. Throws when the spawn itself throws.
 */
export function launchLane(opts: LaunchOptions): LaunchedLane {
  let isReady = false;
  let lane: Lane | undefined;
  let markExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  let settle: { resolve(): void; reject(err: unknown): void } = { resolve: () => {}, reject: () => {} };
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const timer = setTimeout(() => {
    settle.reject(new FanoutError('ECRASH', `${opts.id} did not become ready within ${opts.readyTimeoutMs} ms`));
    lane?.kill(true);
  }, opts.readyTimeoutMs);
  try {
    lane = opts.spawn(opts.slot, {
      message: (msg) => {
        if (!lane) return;
        if (msg.type === 'ready') {
          isReady = true;
          clearTimeout(timer);
          settle.resolve();
        } else if (msg.type === 'init-error') {
          clearTimeout(timer);
          settle.reject(decodeFarSideError(msg.error, undefined));
          lane.kill(true);
        } else if (isReady) {
          opts.onReply(lane, msg);
        }
      },
      exit: (detail) => {
        clearTimeout(timer);
        markExited();
        if (!isReady) settle.reject(new FanoutError('ECRASH', `${opts.id} exited before it was ready (${detail})`));
        else if (lane) opts.onExit(lane, detail);
      },
    });
  } catch (err) {
    clearTimeout(timer);
    throw err;
  }
  // keep the process alive until the worker is ready; the pool unrefs it once idle
  lane.setBusy(true);
  return { lane, ready, exited };
}

/** Stops every lane still alive (SIGTERM / terminate), then kills what is left after `graceMs`; resolves when all exited. */
export async function stopLanes(exits: ReadonlyMap<Lane, Promise<void>>, graceMs: number): Promise<void> {
  for (const lane of exits.keys()) lane.kill(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    Promise.all([...exits.values()]).then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    for (const lane of exits.keys()) lane.kill(true);
    await Promise.all([...exits.values()]);
  }
}
