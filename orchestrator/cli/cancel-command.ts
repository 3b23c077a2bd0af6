import { Command } from 'commander';
import { summaryOf } from './commands.js';
import { addRegionFlag, stopById } from './execution-access.js';

/** `fanout cancel <id>`: stops a cloud-coordinated run (batches already invoked finish; nothing more is merged). */
export function cancelCommand(): Command {
  const cmd = new Command('cancel')
    .description(summaryOf('cancel'))
    .argument('<id>', 'execution id, as `run --coordinator cloud` printed it');
  addRegionFlag(cmd);
  cmd.action(async (id: string, flags: Record<string, unknown>) => {
    await stopById(id, flags);
    console.log(`stopping ${id}`);
  });
  return cmd;
}
