import type { Command } from 'commander';
import type { ExecutionView } from '../coordinator/execution-view.js';
import { LOCAL_ID_PREFIX } from '../coordinator/execution-view.js';
import { FanoutError, inputError } from '../errors.js';
import { DEFAULTS } from '../options.js';

/** `--region` for the execution commands (`runs`, `status`, `result`, `cancel`). */
export function addRegionFlag(cmd: Command): Command {
  return cmd.option('--region <region>', `AWS region (default: AWS_REGION or ${DEFAULTS.region})`);
}

function regionOf(flags: Record<string, unknown>): string {
  return typeof flags.region === 'string' ? flags.region : (process.env.AWS_REGION ?? DEFAULTS.region);
}

/** Checks an execution id: a local rehearsal's `local-…`, or a durable execution ARN. */
export function checkExecutionId(id: string): string {
  if (id.startsWith(LOCAL_ID_PREFIX) ? /^local-[0-9a-f]{8}$/.test(id) : /^arn:aws[a-z-]*:lambda:/.test(id)) return id;
  throw inputError(`Expected an execution id (\`local-…\` or a durable execution ARN), got \`${id}\``);
}

/** The execution's current view, from the rehearsal registry or the Lambda API. */
export async function viewOf(id: string, flags: Record<string, unknown>): Promise<ExecutionView> {
  checkExecutionId(id);
  if (id.startsWith(LOCAL_ID_PREFIX)) {
    const { readRehearsal } = await import('../coordinator/rehearsal-registry.js');
    return readRehearsal(id);
  }
  const [{ executionsClient }, { getExecution }] = await Promise.all([
    import('./cloud-follow.js'),
    import('../coordinator/aws-executions.js'),
  ]);
  const client = executionsClient(regionOf(flags));
  try {
    return await getExecution(client, id);
  } finally {
    client.destroy();
  }
}

/** Stops execution `id`: a rehearsal through its process (which records STOPPED), a Lambda one through the API. */
export async function stopById(id: string, flags: Record<string, unknown>): Promise<void> {
  const view = await viewOf(id, flags);
  if (view.status !== 'RUNNING') throw inputError(`execution ${id} is not running (${view.status})`);
  if (id.startsWith(LOCAL_ID_PREFIX)) {
    const pid = (view as ExecutionView & { pid?: number }).pid;
    if (pid === undefined) throw new FanoutError('EINTERNAL', `rehearsal ${id} has no process recorded`);
    process.kill(pid, 'SIGTERM');
    return;
  }
  const [{ executionsClient }, { stopExecution }] = await Promise.all([
    import('./cloud-follow.js'),
    import('../coordinator/aws-executions.js'),
  ]);
  const client = executionsClient(regionOf(flags));
  try {
    await stopExecution(client, id);
  } finally {
    client.destroy();
  }
}

/** The executions `runs` lists: this machine's rehearsals, and the deployed coordinator's when AWS is configured. */
export async function listAll(
  flags: Record<string, unknown>,
  coordinator: string | undefined,
): Promise<ExecutionView[]> {
  const { listRehearsals } = await import('../coordinator/rehearsal-registry.js');
  const out: ExecutionView[] = listRehearsals();
  if (coordinator !== undefined) {
    const [{ executionsClient }, { listExecutions }] = await Promise.all([
      import('./cloud-follow.js'),
      import('../coordinator/aws-executions.js'),
    ]);
    const client = executionsClient(regionOf(flags));
    try {
      out.push(...(await listExecutions(client, coordinator)));
    } finally {
      client.destroy();
    }
  }
  return out;
}
