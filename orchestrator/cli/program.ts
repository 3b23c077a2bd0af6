import { Command, Help } from 'commander';
import type { AnyTask } from '../tasks/task.js';
import { COMMANDS } from './commands.js';
import { packageVersion } from './package-version.js';

/** Fixed help width: readable in a terminal and stable when piped or captured by tests. */
export const HELP_WIDTH = 110;

/**
 * The `fanout` program. `task` is the task argument resolved before parsing, if any. `only` names the one command
 * this invocation runs: only its module is loaded, the others are listed by name and summary (`''`: none, for
 * `--version` and `--help`); undefined loads every command.
 */
export async function createProgram(task?: AnyTask, only?: string): Promise<Command> {
  const help = new Help();
  const program = new Command('fanout')
    .description(
      'Run the same task inline, in worker threads, in child processes and on AWS Lambda, and measure which is faster and cheaper.',
    )
    .version(packageVersion())
    .configureHelp({
      showGlobalOptions: true,
      helpWidth: HELP_WIDTH,
      subcommandTerm: (cmd) => COMMANDS.find((c) => c.name === cmd.name())?.term ?? help.subcommandTerm(cmd),
    });
  for (const c of COMMANDS) {
    if (only === undefined || only === c.name) program.addCommand((await c.load())(task));
    else program.addCommand(new Command(c.name).description(c.summary));
  }
  return program;
}

/** The command `argv` runs (`help run` asks for run's help), `''` when it names none. */
export function commandOf(argv: readonly string[]): string {
  const [first, second] = argv.filter((a) => !a.startsWith('-'));
  const name = first === 'help' ? second : first;
  return COMMANDS.some((c) => c.name === name) ? (name as string) : '';
}
