/** The two sides of a hybrid run: their state, the faults that say a side is in trouble, and their slots. */
import { FanoutError, type FanoutErrorCode, isFanoutError } from '../../errors.js';
import type { Backend } from '../backend.js';

/**
 * Faults that say the side itself is in trouble (it is unreachable or failing), not the batch: after a few in a row the
 * side is taken out of the rotation. Task errors, throttling and timeouts say nothing about the side's health.
 */
const SIDE_FAULTS: ReadonlySet<FanoutErrorCode> = new Set(['ENETWORK', 'ESERVICE', 'EINTERNAL']);

export interface Side {
  name: string;
  backend: Backend;
  /** Runs on the same cores as the local side (an emulator on this machine): CPU-bound work gets only spare cores. */
  sharesCores: boolean;
  inFlight: number;
  healthy: boolean;
  /** True once a batch succeeded here this run; until then the side gets at most `unhealthyAfter` batches at once. */
  proven: boolean;
  faultsInARow: number;
  /** Recent batch wall times on this side, ms (see {@link estimateMs}). */
  samples: number[];
  /** CPU time over wall time of recent batches here (core-sharing.ts). */
  cpuShares: number[];
  lastFinishAt: number | undefined;
  /** Start times of the batches running here now. */
  runningSince: number[];
}

export function side(name: string, backend: Backend, sharesCores = false): Side {
  return { name, backend, sharesCores, ...freshSideState() };
}

/** The per-run state of a side, reset at every start. */
export function freshSideState(): Omit<Side, 'name' | 'backend' | 'sharesCores'> {
  return {
    inFlight: 0,
    healthy: true,
    proven: false,
    faultsInARow: 0,
    samples: [],
    cpuShares: [],
    lastFinishAt: undefined,
    runningSince: [],
  };
}

/** A copy of the error that names the side it happened on (a copy: one error object may be shared by many jobs). */
export function withSide(err: unknown, sideName: string, batchId: string): FanoutError {
  const e = isFanoutError(err)
    ? err
    : new FanoutError('EINTERNAL', String((err as Error)?.message ?? err), { cause: err });
  const copy = new FanoutError(e.code, e.message, {
    cause: e.cause ?? err,
    retryable: e.retryable,
    batchId: e.batchId ?? batchId,
    ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
    side: sideName,
  });
  if (e.stack) copy.stack = e.stack;
  // the failed attempt's lane and what its map wrote stay with it
  if (e.workerId !== undefined) {
    copy.workerId = e.workerId.startsWith(sideName) ? e.workerId : `${sideName}-${e.workerId}`;
  }
  if (e.output !== undefined) copy.output = e.output;
  return copy;
}

export function isSideFault(err: unknown): boolean {
  return !isFanoutError(err) || SIDE_FAULTS.has(err.code);
}

/**
 * Batches a side runs at once. A pooled side may queue more on its workers (capacity() = workers × queue depth), but
 * earliest-finish placement must see when a slot really frees, so hybrid places against its workers; it uses the
 * queue only while that side is the one side open (HybridBackend#slots).
 */
export function slotsOf(backend: Backend): number {
  return backend.parallelism?.() ?? backend.capacity();
}
