/**
 * The far-side contract, written once: what a caller sends for one batch (the Lambda event, and the run request of a
 * worker thread or child process), what the far side answers, and the plain-data error that crosses back. Both ends
 * import these schemas; the types are inferred from them.
 */
import * as z from 'zod/mini';

// zod/mini rather than zod: the same checks, and it keeps the Lambda bundle ~15× smaller (zod's full build is ~450 KB).

/** One batch for the far side: the task's id (its name) and version, the batch id and the JSON batch. */
export const BatchRequestSchema = z.object({
  /** Task id: a built-in's name, or the `name` of a user task. */
  task: z.string().check(z.minLength(1), z.maxLength(128)),
  /**
   * The exact version the caller bundled (a bundle hash, or the built-ins' fanout release). A far side holding another
   * version answers EVERSION. Absent (hand-written events, `sls invoke local`): whatever version the far side holds.
   */
  version: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  batchId: z.string().check(z.minLength(1), z.maxLength(256)),
  batch: z.unknown().check(z.refine((b) => b !== undefined, { message: 'batch is required' })),
  /** Only check that the far side holds this task at this version; map nothing (`compare` asks before it runs). */
  probe: z.optional(z.boolean()),
});

/** One batch for the far side. */
export type BatchRequest = z.infer<typeof BatchRequestSchema>;

/** What the far side answers for one batch. */
export const BatchReplySchema = z.object({
  batchId: z.string(),
  partial: z.unknown().check(z.refine((p) => p !== undefined, { message: 'partial is required' })),
  /** CPU time spent on this batch, ms. */
  cpuMs: z.optional(z.number()),
  /** Wall time of map on the far side, ms. */
  durationMs: z.optional(z.number()),
  /** True on the first batch an instance (thread, child, Lambda execution environment) serves. */
  coldStart: z.optional(z.boolean()),
  /** On a cold start: ms from the instance's start (process or thread) to its first batch, i.e. its init time. */
  initMs: z.optional(z.number()),
  /** Random id of the instance: one timeline lane per Lambda execution environment. */
  instanceId: z.optional(z.string()),
});

/** What the far side answers for one batch. */
export type BatchReply = z.infer<typeof BatchReplySchema>;

/** An error as it crosses a thread, process or network boundary. */
export const WireErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  /** A FanoutError's code (`ETASK`, `EVERSION`, …). */
  code: z.optional(z.string()),
  /** False when the far side knows a retry cannot help. */
  retryable: z.optional(z.boolean()),
  stack: z.optional(z.string()),
});

/** An error as it crosses a boundary. */
export type WireError = z.infer<typeof WireErrorSchema>;

/** zod/mini ships no message locale: one line saying what was expected, from each issue's own fields. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => `${i.path.join('.') || 'value'}: ${'expected' in i ? `expected ${String(i.expected)}` : i.message}`)
    .join('; ');
}
