import { Command } from 'commander';
import type { AnyTask } from '../tasks/task.js';
import { compareCommand } from './compare-command.js';
import { demoCommand } from './demo-command.js';
import { initCommand } from './init-command.js';
import { offlineCommand } from './offline-command.js';
import { packageVersion } from './package-version.js';
import { planCommand } from './plan-command.js';
import { runCommand } from './run-command.js';
import { serveDocsCommand } from './serve-docs-command.js';

/** The `fanout` program with every command. `task` is the task argument resolved before parsing, if any. */
export function createProgram(task?: AnyTask): Command {
  const program = new Command('fanout')
    .description(
      'Run the same task inline, in worker threads, in child processes and on AWS Lambda, and measure which is faster and cheaper.',
    )
    .version(packageVersion())
    .configureHelp({ showGlobalOptions: true });
  program.addCommand(initCommand());
  program.addCommand(runCommand(task));
  program.addCommand(compareCommand(task));
  program.addCommand(planCommand(task));
  program.addCommand(serveDocsCommand());
  program.addCommand(offlineCommand());
  program.addCommand(demoCommand());
  return program;
}
