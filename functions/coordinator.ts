/**
 * The Lambda `coordinator` handler (`dist/functions/coordinator.handler` in serverless.yml): a durable function that
 * runs a whole job — split, invoke the worker per batch, merge — checkpointed by Lambda, so the run outlives the
 * caller (orchestrator/coordinator/). It holds the same tasks as the worker: the built-ins and packaged-tasks.ts.
 */
import { coordinatorHandler } from '../orchestrator/coordinator/coordinator-handler.js';
import { packagedTasks } from './packaged-tasks.js';

/** Lambda entry point: one durable execution per run (event: coordinator-wire.ts's CoordinatorEvent). */
export const handler = coordinatorHandler(packagedTasks);
