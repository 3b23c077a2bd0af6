import { Command } from 'commander';
import { initProject } from '../project/init-project.js';
import { summaryOf } from './commands.js';
import { writeStdout } from './json-stdout.js';

/**
 * `fanout init [--force] [--no-install]`: makes the current project a fanout project (fanout.config.json, an example
 * task, a serverless.yml for the worker function, .gitignore and .npmrc lines, the Serverless tooling in
 * devDependencies) and prints the commands to run next.
 */
export function initCommand(): Command {
  return new Command('init')
    .description(summaryOf('init'))
    .option(
      '--force',
      'overwrite files that exist with other contents (a serverless.yml that is not fanout’s too)',
      false,
    )
    .option('--no-install', 'only write the devDependencies into package.json; do not run npm install')
    .action(async (flags: { force: boolean; install: boolean }) => {
      const report = await initProject({ force: flags.force, install: flags.install });
      writeStdout(`\nfanout is set up in this project. Next:\n${report.next.map((c) => `  ${c}`).join('\n')}\n`);
    });
}
