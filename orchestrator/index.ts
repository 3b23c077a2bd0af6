/**
 * fanout's public API: {@link fanout}, {@link defineTask}, and the types they use. Nothing else is exported.
 */
export type { Backend, BackendName, BatchJob, BatchOutcome } from './backends/backend.js';
export { FanoutError, type FanoutErrorCode } from './errors.js';
export { type FanoutResult, fanout } from './fanout.js';
export type { TaskOutput } from './far-side/wire.js';
export type { FanoutOptions, LambdaOptions, RunInfo } from './options.js';
export type { TaskOutputEvent } from './run/task-output-lines.js';
export type { SchedulerProgress } from './scheduler/scheduler.js';
export type { BatchRecord, FanoutProgress, RunStats } from './stats.js';
export { type AnyTask, defineTask, type MapContext, type SplitContext, type Task, type TaskRef } from './tasks/task.js';
