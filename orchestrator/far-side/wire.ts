/**
 * The far-side contract, written once: what a caller sends for one batch (the Lambda event, and the run request of a
 * worker thread or child process), what the far side answers, and the plain-data error that crosses back. Both ends
 * import these schemas; the types are inferred from them.
 */
import * as z from 'zod/mini';

// zod/mini rather than zod: the same checks, and it keeps the Lambda bundle ~15× smaller (zod's full build is ~450 KB).

/**
 * Where an offloaded event or reply lies in S3, and what it must be: the reader refuses an object whose size or sha256
 * differs (EINTEGRITY), so a changed object can never become an answer.
 */
export const ObjectPointerSchema = z.object({
  bucket: z.string().check(z.minLength(3), z.maxLength(63)),
  key: z.string().check(z.minLength(1), z.maxLength(1024)),
  /** Size of the object's bytes (UTF-8 JSON). */
  bytes: z.number().check(z.int(), z.nonnegative()),
  /** Hex sha256 of those bytes. */
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

/** Where an offloaded event or reply lies in S3. */
export type ObjectPointer = z.infer<typeof ObjectPointerSchema>;

/** Where the far side may put a reply too large to return inline, and from what size on it must. */
export const ReplyOffloadSchema = z.object({
  bucket: z.string().check(z.minLength(3), z.maxLength(63)),
  /** The exact key: the caller chose it, so it can delete the object even when the reply is lost. */
  key: z.string().check(z.minLength(1), z.maxLength(1024)),
  /** A reply whose JSON is larger than this goes through S3. */
  overBytes: z.number().check(z.int(), z.positive()),
});

/** Where the far side may put a reply too large to return inline. */
export type ReplyOffload = z.infer<typeof ReplyOffloadSchema>;

/**
 * One batch for the far side: the task's id (its name) and version, the batch id and the JSON batch — inline as
 * `batch`, or in S3 as `batchObject` (exactly one of them).
 */
export const BatchRequestSchema = z
  .object({
    /** Task id: a built-in's name, or the `name` of a user task. */
    task: z.string().check(z.minLength(1), z.maxLength(128)),
    /**
     * The exact version the caller bundled (a bundle hash, or the built-ins' fanout release). A far side holding another
     * version answers EVERSION. Absent (hand-written events, `sls invoke local`): whatever version the far side holds.
     */
    version: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    batchId: z.string().check(z.minLength(1), z.maxLength(256)),
    batch: z.optional(z.unknown()),
    /** The batch, offloaded to S3 because its event would be too large for the invoke. */
    batchObject: z.optional(ObjectPointerSchema),
    /** Where a reply too large for the invoke goes; absent: such a reply is refused (EPAYLOAD). */
    replyOffload: z.optional(ReplyOffloadSchema),
    /** Only check that the far side holds this task at this version; map nothing (`compare` asks before it runs). */
    probe: z.optional(z.boolean()),
  })
  .check(
    z.refine((r) => (r.batch !== undefined) !== (r.batchObject !== undefined), {
      message: 'exactly one of batch and batchObject is required',
      path: ['batch'],
    }),
  );

/** One batch for the far side. */
export type BatchRequest = z.infer<typeof BatchRequestSchema>;

/**
 * What a batch's map wrote to stdout and stderr (interleaved as written), captured on the far side
 * (far-side/task-output.ts): at most 8 KB of it, the bytes left out counted in `cutBytes`.
 */
export const TaskOutputSchema = z.object({
  text: z.string(),
  cutBytes: z.optional(z.number()),
});

/** What a batch's map wrote, as it travels back with the reply or the error. */
export type TaskOutput = z.infer<typeof TaskOutputSchema>;

/** What the far side answers for one batch. */
export const BatchReplySchema = z
  .object({
    batchId: z.string(),
    partial: z.optional(z.unknown()),
    /** The partial, offloaded to S3 because the reply would be too large for the invoke. */
    partialObject: z.optional(ObjectPointerSchema),
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
    /** What the map wrote to stdout/stderr, when it wrote anything. */
    output: z.optional(TaskOutputSchema),
  })
  .check(
    z.refine((r) => (r.partial !== undefined) !== (r.partialObject !== undefined), {
      message: 'exactly one of partial and partialObject is required',
      path: ['partial'],
    }),
  );

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
  /** What the map of the failed batch wrote, when it wrote anything: a failed attempt's output is still delivered. */
  output: z.optional(TaskOutputSchema),
  /** Lambda: the instance that ran the failed batch (its timeline lane). */
  instanceId: z.optional(z.string()),
});

/** An error as it crosses a boundary. */
export type WireError = z.infer<typeof WireErrorSchema>;

/** zod/mini ships no message locale: one line saying what was expected, from each issue's own fields. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => `${i.path.join('.') || 'value'}: ${'expected' in i ? `expected ${String(i.expected)}` : i.message}`)
    .join('; ');
}
