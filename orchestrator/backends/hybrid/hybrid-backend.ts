import { FanoutError, inputError, isFanoutError } from '../../errors.js';
import { DEFAULTS } from '../../options.js';
import type { TaskRef } from '../../tasks/task.js';
import type {
  AttemptCancel,
  AttemptHandle,
  Backend,
  BackendStartContext,
  BatchJob,
  BatchOutcome,
  DroppedSide,
} from '../backend.js';
import { LambdaBackend, type LambdaBackendOptions } from '../lambda/lambda-backend.js';
import { ProcessBackend } from '../process/process-backend.js';
import { cpuBound, endpointSharesCores, recordCpuShare, sharedSideSlots } from './core-sharing.js';
import { exceedsLimit, largestPayload } from './payload-fit.js';
import { freshSideState, isSideFault, type Side, side, slotsOf, withSide } from './side.js';
import { chooseSide, estimateMs, recordSample } from './side-choice.js';

/** Options of the default hybrid: a local process pool plus Lambda. */
export interface HybridOptions {
  /** Child processes of the local side. */
  workers: number;
  /** The Lambda side's settings (a Lambda backend's: the user-facing ones and its invoke deadline). */
  lambda: LambdaBackendOptions;
}

/** Two backends to compose (tests, or any other pair): `local` runs next to the caller, `remote` elsewhere. */
export interface HybridSides {
  local: Backend;
  remote: Backend;
  /** Name of the local side in stats. @default local.name */
  localSide?: string;
  /** Name of the remote side in stats. @default remote.name */
  remoteSide?: string;
  /**
   * The remote side runs on this machine's cores (an emulator): CPU-bound batches then go to it only while the local
   * side leaves a core idle (see core-sharing.ts). @default false
   */
  sharedCores?: boolean;
  /**
   * Consecutive side faults (network, 5xx) after which a side gets no more work this run. Until its first success a
   * side also gets at most this many batches at once, so an unreachable side costs this many failed attempts, not one
   * per slot. @default 2
   */
  unhealthyAfter?: number;
}

/**
 * How often waiting jobs are placed again although no slot freed: some placements change with time alone (a straggler
 * overrunning enough for its copy to pay, a side idle long enough to be probed), and the batch that would free a slot
 * may be the very straggler.
 */
const RECHECK_MS = 20;

/**
 * Local child processes and Lambda invocations pulling from the scheduler's one queue. `capacity()` is the sum of both
 * sides, and each job goes to whichever side has a free slot, so the faster side simply takes more (work stealing).
 * A speculative copy goes to the side not already running that batch; a retry after a side fault goes to the other side.
 * A side that keeps failing with side faults (e.g. the emulator stopped mid-run) is marked unhealthy and the run
 * finishes on the other side. When the Lambda side runs on this machine (an emulator), it gets CPU-bound batches only
 * for cores the local pool leaves idle, as measured from the pool's batches (core-sharing.ts). A batch too large for a
 * side's payload limit goes to the other side.
 */
export class HybridBackend implements Backend {
  readonly name = 'hybrid';
  readonly #unhealthyAfter: number;
  #sides: Side[] = [];
  /** Where and since when each batch id is running (a speculative copy makes two entries). */
  readonly #runningOn = new Map<string, { side: string; since: number }[]>();
  /** Side where each batch id last failed with a side fault: its retry should go elsewhere. */
  readonly #faultedOn = new Map<string, string>();
  /** Jobs waiting for a free slot; each retries its pick when a slot frees, or gives up with an error. */
  #waiters: { retry(): void; cancel(err: unknown): void }[] = [];
  /** Re-places waiting jobs while any wait (see {@link RECHECK_MS}). */
  #recheck: NodeJS.Timeout | undefined;
  #dropped: DroppedSide[] = [];

  constructor(options: HybridOptions | HybridSides) {
    if ('local' in options) {
      const localSide = options.localSide ?? options.local.name;
      const remoteSide = options.remoteSide ?? options.remote.name;
      if (localSide === remoteSide) {
        throw inputError(`Expected the two hybrid sides to have different names, got \`${localSide}\` twice`);
      }
      this.#sides = [side(localSide, options.local), side(remoteSide, options.remote, options.sharedCores ?? false)];
    } else {
      const { workers, lambda } = options;
      // built now, not at start: capacity() and parallelism() are asked before start (the split is sized by them)
      this.#sides = [
        // the pool's own queue depth: placement counts its workers as slots (slotsOf), and uses the queue only while
        // the pool is the one side open (#slots), so a worker never idles for a round trip between batches
        side('process', new ProcessBackend({ workers })),
        side(
          'lambda',
          new LambdaBackend(lambda),
          endpointSharesCores(lambda.endpoint ?? process.env.FANOUT_LAMBDA_ENDPOINT),
        ),
      ];
    }
    this.#unhealthyAfter = ('local' in options ? options.unhealthyAfter : undefined) ?? DEFAULTS.unhealthyAfter;
  }

  /**
   * Largest payload limit of the two sides (none when a side has none, like the process pool): fanout() subdivides
   * only what no side could take, and a batch too large for one side's limit runs on the other.
   */
  get maxPayloadBytes(): number | undefined {
    return largestPayload(this.#sides.map((s) => s.backend.maxPayloadBytes));
  }

  /** Sides taken out of the current run, with the fault that made each go; `fanout()` puts them in the stats. */
  droppedSides(): DroppedSide[] {
    return this.#dropped.map((d) => ({ ...d }));
  }

  /** The task this backend was started for. */
  startedTask: TaskRef | undefined;

  async start(ctx: BackendStartContext): Promise<void> {
    this.startedTask = ctx.task;
    for (const s of this.#sides) Object.assign(s, freshSideState());
    this.#dropped = [];
    const started = await Promise.allSettled(this.#sides.map((s) => s.backend.start(ctx)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  capacity(): number {
    let sum = 0;
    for (const slots of this.#slots().values()) sum += slots;
    return sum;
  }

  /**
   * Slots of each usable side now. Placement between sides counts a pooled side's workers only (slotsOf), since a
   * batch queued behind a worker hides when a slot frees; but a side left as the only open one (the other parked for
   * CPU-bound work on shared cores, or dropped) has no placement to make, so it also gets its backend's queue and its
   * workers never wait a round trip between batches.
   */
  #slots(): Map<Side, number> {
    const slots = new Map<Side, number>();
    for (const s of this.#usable()) slots.set(s, this.#sideCapacity(s));
    const open = [...slots].filter(([, n]) => n > 0);
    const [only] = open;
    if (open.length === 1 && only && only[1] === slotsOf(only[0].backend)) {
      slots.set(only[0], Math.max(only[1], only[0].backend.capacity()));
    }
    return slots;
  }

  /**
   * A side's slots: its backend's; while it has not yet succeeded once, only as many as the faults it may still make
   * before it is dropped (at least 1), so an unreachable side costs `unhealthyAfter` failed attempts in all.
   */
  #sideCapacity(s: Side): number {
    const cap = slotsOf(s.backend);
    const slots = s.proven ? cap : Math.min(cap, Math.max(1, this.#unhealthyAfter - s.faultsInARow));
    if (!s.sharesCores) return slots;
    const partners = this.#sides.filter((o) => o !== s && o.healthy && !o.sharesCores);
    return sharedSideSlots({
      slots,
      partnerSlots: partners.reduce((sum, o) => sum + slotsOf(o.backend), 0),
      cpuBound: cpuBound(partners.flatMap((o) => o.cpuShares)),
    });
  }

  async runAttempt(job: BatchJob, attempt: AttemptHandle): Promise<BatchOutcome> {
    // #acquire has already counted the slot as taken, so no other job can claim it meanwhile
    const s = await this.#acquire(job, attempt);
    const startedAt = Date.now();
    // more batches than workers: this one waits in a worker's queue first, so its wall time is not its batch time
    const queued = s.inFlight > slotsOf(s.backend);
    s.runningSince.push(startedAt);
    const on = this.#runningOn.get(job.id) ?? [];
    const entry = { side: s.name, since: startedAt };
    on.push(entry);
    this.#runningOn.set(job.id, on);
    // a speculative copy waiting for its original to start may be placeable now
    if (this.#waiters.length > 0) this.#wake();
    try {
      const out = await s.backend.runAttempt(job, attempt);
      s.faultsInARow = 0;
      s.proven = true;
      s.lastFinishAt = Date.now();
      const wallMs = s.lastFinishAt - startedAt;
      recordSample(s.samples, queued ? Math.min(wallMs, out.durationMs ?? wallMs) : wallMs);
      recordCpuShare(s.cpuShares, out.cpuMs, out.durationMs ?? s.lastFinishAt - startedAt);
      this.#faultedOn.delete(job.id);
      const workerId = out.workerId.startsWith(s.name) ? out.workerId : `${s.name}-${out.workerId}`;
      return { ...out, side: s.name, workerId };
    } catch (err) {
      // aborted (timeout, cancel): the abort's reason, named with the side so the attempt's record says where it ran
      if (attempt.aborted) throw withSide(err, s.name, job.id);
      if (isSideFault(err)) {
        this.#faultedOn.set(job.id, s.name);
        s.faultsInARow++;
        if (s.healthy && s.faultsInARow >= this.#unhealthyAfter && this.#sides.some((o) => o !== s && o.healthy)) {
          s.healthy = false;
          const message = err instanceof Error ? err.message : String(err);
          const code = isFanoutError(err) ? `[${err.code}] ` : '';
          this.#dropped.push({
            side: s.name,
            reason: `${s.faultsInARow} side faults in a row, the last: ${code}${message.split('\n')[0]}`,
          });
        }
      }
      throw withSide(err, s.name, job.id);
    } finally {
      s.inFlight--;
      s.runningSince.splice(s.runningSince.indexOf(startedAt), 1);
      on.splice(on.indexOf(entry), 1);
      if (on.length === 0) this.#runningOn.delete(job.id);
      this.#wake();
    }
  }

  async stop(): Promise<void> {
    for (const w of this.#waiters.splice(0)) w.cancel(new FanoutError('ECANCEL', 'hybrid backend stopped'));
    await Promise.allSettled(this.#sides.map((s) => s.backend.stop()));
  }

  /** Healthy sides, or every side when none is healthy (so their errors surface instead of a hang). */
  #usable(): Side[] {
    const healthy = this.#sides.filter((s) => s.healthy);
    return healthy.length > 0 ? healthy : this.#sides;
  }

  /**
   * Picks the side for `job` (see {@link chooseSide}), `queuedAhead` jobs waiting before it, and takes its slot;
   * undefined means wait for a slot to free.
   */
  #take(job: BatchJob, queuedAhead: number): Side | undefined {
    const running = this.#runningOn.get(job.id) ?? [];
    const avoid = new Set(running.map((r) => r.side));
    const faulted = this.#faultedOn.get(job.id);
    if (faulted) avoid.add(faulted);
    const fitting = this.#sides.filter(
      (s) => !exceedsLimit(job.batch, s.backend.maxPayloadBytes, this.maxPayloadBytes),
    );
    // no side takes it: send it anyway, so its side refuses it with EPAYLOAD instead of it waiting forever
    const slots = this.#slots();
    const states = (fitting.length > 0 ? fitting : this.#sides).map((s) => ({
      name: s.name,
      inFlight: s.inFlight,
      capacity: slots.get(s) ?? this.#sideCapacity(s),
      healthy: s.healthy,
      estimateMs: estimateMs(s.samples),
      lastFinishAt: s.lastFinishAt,
      runningSince: s.runningSince,
    }));
    const now = Date.now();
    const chosen = chooseSide(states, {
      avoid,
      now,
      queuedAhead,
      ...(job.speculative ? { originalRemainingMs: this.#remainingMs(running, now) } : {}),
    });
    const s = chosen && this.#sides.find((x) => x.name === chosen.name);
    if (s) s.inFlight++;
    return s;
  }

  /** Expected time left for the running copies of a batch (the soonest), or 0 when none is running yet. */
  #remainingMs(running: readonly { side: string; since: number }[], now: number): number {
    let best = Number.POSITIVE_INFINITY;
    for (const r of running) {
      const est = estimateMs(this.#sides.find((s) => s.name === r.side)?.samples ?? []) ?? 0;
      best = Math.min(best, Math.abs(r.since + est - now));
    }
    return Number.isFinite(best) ? best : 0;
  }

  /**
   * The side for `job`, with its slot taken. Waits when every side is full — or when the free side is slow enough that
   * the busy one will finish the batch sooner; the scheduler may also briefly hold more jobs than capacity() after a
   * side turned unhealthy.
   */
  #acquire(job: BatchJob, cancel: AttemptCancel): Promise<Side> {
    if (this.#sides.length === 0) {
      return Promise.reject(new FanoutError('EINTERNAL', 'HybridBackend.runAttempt before start'));
    }
    const now = this.#take(job, this.#waiters.length);
    if (now) return Promise.resolve(now);
    return new Promise<Side>((resolve, reject) => {
      const waiter = {
        retry: (): void => {
          const s = this.#take(job, this.#waiters.indexOf(waiter));
          if (s) done(() => resolve(s));
        },
        cancel: (err: unknown): void => done(() => reject(err)),
      };
      const onAbort = { handleEvent: (): void => waiter.cancel(cancel.reason) };
      const done = (settle: () => void): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        if (this.#waiters.length === 0) {
          clearInterval(this.#recheck);
          this.#recheck = undefined;
        }
        cancel.unlisten(onAbort);
        settle();
      };
      if (cancel.aborted) return onAbort.handleEvent();
      cancel.listen(onAbort);
      this.#waiters.push(waiter);
      this.#recheck ??= setInterval(() => this.#wake(), RECHECK_MS).unref();
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w.retry();
  }
}
