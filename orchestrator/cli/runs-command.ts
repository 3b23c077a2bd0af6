import { Command } from 'commander';
import { hasAwsCredentials } from '../backends/lambda/aws-credentials.js';
import { DEFAULTS } from '../options.js';
import { summaryOf } from './commands.js';
import { addRegionFlag, listAll } from './execution-access.js';
import { executionLine } from './execution-lines.js';
import { writeStdout } from './json-stdout.js';

/** `fanout runs`: the cloud-coordinated runs: this machine's local rehearsals and, with AWS, the coordinator's. */
export function runsCommand(): Command {
  const cmd = new Command('runs')
    .description(summaryOf('runs'))
    .option('--stage <stage>', 'deployment stage for the default coordinator name', DEFAULTS.stage)
    .option('--coordinator-function <name>', 'the coordinator function (default: fanout-<stage>-coordinator)')
    .option('--json', 'print one JSON document on stdout', false);
  addRegionFlag(cmd);
  cmd.action(async (flags: Record<string, unknown>) => {
    const coordinator =
      typeof flags.coordinatorFunction === 'string'
        ? flags.coordinatorFunction
        : hasAwsCredentials()
          ? `fanout-${String(flags.stage)}-coordinator`
          : undefined;
    const views = (await listAll(flags, coordinator)).map(({ output: _o, ...v }) => v);
    if (flags.json) writeStdout(`${JSON.stringify(views)}\n`);
    else console.log(views.length ? views.map((v) => executionLine(v)).join('\n') : 'no executions');
  });
  return cmd;
}
