/**
 * The coordinator's contract, written once: what a caller sends to start a run on the coordinator function, and what
 * the execution returns. The CLI (the caller) and the coordinator (the far side) both import these.
 */
import * as z from 'zod/mini';
import type { RunStats } from '../stats.js';

/** The event that starts one execution of the coordinator: which task at which version, on what input, how wide. */
export const CoordinatorEventSchema = z.object({
  /** Task id: a built-in's name, or the `name` of a user task packaged with the functions. */
  task: z.string().check(z.minLength(1), z.maxLength(128)),
  /** The exact version the caller bundled; a coordinator holding another one answers EVERSION. */
  version: z.string().check(z.minLength(1), z.maxLength(128)),
  /** The task's input, as `split` gets it. */
  input: z.unknown(),
  batchSize: z.optional(z.number().check(z.int(), z.positive())),
  /** Worker invokes in flight at most. */
  concurrency: z.number().check(z.int(), z.positive()),
  /** Retries per batch for retryable faults. */
  retries: z.number().check(z.int(), z.nonnegative()),
});

/** The event that starts one execution of the coordinator. */
export type CoordinatorEvent = z.infer<typeof CoordinatorEventSchema>;

/** What a finished execution returns: the run's result and statistics, as a local run has them. */
export interface CoordinatorOutput {
  result: unknown;
  stats: RunStats & {
    /** How the coordinator grouped the batches and the durable operations it planned (retries add to these). */
    coordinator: { groups: number; groupSize: number; operations: number };
  };
}

/** Name of the step recording the split, and of the operations of batch `id` (what progress reads in the history). */
export const OPERATION_NAMES = {
  begin: 'begin',
  split: 'split',
  probe: 'probe',
  finish: 'finish',
  group: (g: number) => `group-${g}`,
  batch: (id: string, attempt: number) => (attempt === 0 ? `batch-${id}` : `batch-${id}-retry-${attempt}`),
  backoff: (id: string, attempt: number) => `batch-${id}-backoff-${attempt}`,
} as const;
