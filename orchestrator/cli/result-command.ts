import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { type ExecutionView, executionError } from '../coordinator/execution-view.js';
import { FanoutError } from '../errors.js';
import { summaryOf } from './commands.js';
import { addRegionFlag, viewOf } from './execution-access.js';
import { printRun } from './run-print.js';

/** `fanout result <id>`: a finished cloud-coordinated run's result, printed as `run` prints it (same `--json`). */
export function resultCommand(): Command {
  const cmd = new Command('result')
    .description(summaryOf('result'))
    .argument('<id>', 'execution id, as `run --coordinator cloud` printed it')
    .option('--wait', 'wait for a running execution to end', false)
    .option('--json', 'print one JSON document on stdout', false);
  addRegionFlag(cmd);
  cmd.action(async (id: string, flags: Record<string, unknown>) => {
    let view: ExecutionView = await viewOf(id, flags);
    while (view.status === 'RUNNING' && flags.wait) {
      await sleep(1000);
      view = await viewOf(id, flags);
    }
    if (view.status === 'RUNNING') {
      throw new FanoutError(
        'EINPUT',
        `execution ${id} is still running (${view.done}/${view.total ?? '?'} batches): \`fanout result ${id} --wait\``,
        { retryable: false },
      );
    }
    if (view.status !== 'SUCCEEDED' || !view.output) throw executionError(view);
    printRun(view.task ?? 'task', 'cloud', view.output, flags.json === true);
  });
  return cmd;
}
