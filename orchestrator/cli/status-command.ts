import { Command } from 'commander';
import { summaryOf } from './commands.js';
import { addRegionFlag, viewOf } from './execution-access.js';
import { executionLine } from './execution-lines.js';
import { writeStdout } from './json-stdout.js';

/** `fanout status <id>`: where a cloud-coordinated run stands (status, batches done of total, time). */
export function statusCommand(): Command {
  const cmd = new Command('status')
    .description(summaryOf('status'))
    .argument('<id>', 'execution id, as `run --coordinator cloud` printed it')
    .option('--json', 'print one JSON document on stdout', false);
  addRegionFlag(cmd);
  cmd.action(async (id: string, flags: Record<string, unknown>) => {
    const { output: _output, ...view } = await viewOf(id, flags);
    if (flags.json) writeStdout(`${JSON.stringify(view)}\n`);
    else console.log(executionLine(view));
  });
  return cmd;
}
