/**
 * The Lambda `worker` handler (`dist/functions/worker.handler` in serverless.yml): the far side in
 * orchestrator/far-side/lambda-handler.ts, over the built-ins and the user tasks packaged with this function
 * (packaged-tasks.ts, which the esbuild plugin fills in when the function is built).
 */
import { lambdaHandler } from '../orchestrator/far-side/lambda-handler.js';
import { packagedTasks } from './packaged-tasks.js';

export type { WorkerContext, WorkerReply } from '../orchestrator/far-side/lambda-handler.js';

/** Lambda entry point: one batch per invoke (event: the far side's batch request, far-side/wire.ts). */
export const handler = lambdaHandler(packagedTasks);
