/**
 * When the two sides of a hybrid draw on the same cores (the Lambda side is an emulator on this machine), a CPU-bound
 * batch sent to the far side takes a core from the local side: the run gets no faster, only pays the invoke on top and
 * waits for the slower side at its end. This module decides, from measurements, how many batches such a side may run.
 */
import { availableParallelism } from 'node:os';
import { AUTO_ENDPOINT } from '../lambda/lambda-endpoint.js';

/** CPU time over wall time of the local side's recent batches, kept per run. */
export const CPU_SAMPLES_KEPT = 8;

/**
 * A batch whose worker was on a CPU for at least this share of its wall time is CPU-bound. I/O-bound batches (waiting
 * on a socket or a timer) measure near 0 (a 100 ms sleep batch: 0.003–0.02 once its worker is warm); CPU-bound ones
 * near 1 on a quiet machine, 0.13–0.25 on this 2-core machine at a load average of 13 (each worker gets a sixth of a
 * core). A CPU-bound batch measures under this only on a machine loaded about 20× over its cores: cpu/wall cannot tell
 * waiting for a core from waiting for I/O, so the hybrid then places it as I/O-bound work.
 */
export const CPU_BOUND_SHARE = 0.05;

/**
 * True when the Lambda endpoint runs on this machine: `auto` (the emulator fanout starts itself) or a loopback URL
 * (an emulator started by hand). Its handlers then run on the same cores as the local side.
 */
export function endpointSharesCores(endpoint: string | undefined): boolean {
  if (endpoint === undefined || endpoint === '') return false;
  if (endpoint === AUTO_ENDPOINT) return true;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Adds one batch's CPU share (cpuMs / wall ms) to the recent samples; batches without a CPU figure are skipped. */
export function recordCpuShare(shares: number[], cpuMs: number | undefined, wallMs: number | undefined): void {
  if (cpuMs === undefined || wallMs === undefined || wallMs <= 0) return;
  shares.push(Math.min(1, cpuMs / wallMs));
  if (shares.length > CPU_SAMPLES_KEPT) shares.shift();
}

/**
 * Whether recent batches were CPU-bound: the (lower) median share against {@link CPU_BOUND_SHARE}; undefined until one
 * batch was measured. The median of a sliding window: one batch slowed by a burst of load elsewhere, or a worker's
 * first batch (loading code costs CPU even when the batch only waits), does not flip it, and a run whose batches
 * change character flips within a few batches.
 */
export function cpuBound(shares: readonly number[]): boolean | undefined {
  if (shares.length === 0) return undefined;
  const sorted = [...shares].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)] as number) >= CPU_BOUND_SHARE;
}

/** What {@link sharedSideSlots} decides from. */
export interface CoreBudget {
  /** The side's own slots (its backend's). */
  slots: number;
  /** Slots of the side it shares cores with (the local pool), while that side is in the run; 0 once it was dropped. */
  partnerSlots: number;
  /** The partner's recent batches were CPU-bound (undefined: none measured yet). */
  cpuBound: boolean | undefined;
  /** Cores of the machine. @default availableParallelism() */
  cores?: number;
}

/**
 * Slots of a side that shares cores with the local pool. Until the pool's first batch says what the work is, one:
 * that batch measures the side's own cost while costing the pool at most a share of one core. CPU-bound work then
 * gets only the cores the pool leaves idle (none when the pool has a worker per core, the default), since any more
 * would only take cores from the pool; other work gets all its slots, since waiting on I/O uses no core. A partner
 * dropped from the run leaves the side all its slots.
 */
export function sharedSideSlots(b: CoreBudget): number {
  if (b.partnerSlots === 0) return b.slots;
  if (b.cpuBound === undefined) return Math.min(1, b.slots);
  if (!b.cpuBound) return b.slots;
  const cores = b.cores ?? availableParallelism();
  return Math.min(b.slots, Math.max(0, cores - b.partnerSlots));
}
