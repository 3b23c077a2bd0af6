import { CommanderError } from 'commander';
import { clipText } from '../clip-text.js';
import { isFanoutError } from '../errors.js';
import { loadTask, taskRefFromArg } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/task.js';
import { reserveStdoutForJson, writeStdout } from './json-stdout.js';
import { createProgram } from './program.js';
import { quietWarnings } from './quiet-warnings.js';

/** Commands whose first argument is a task whose options must be known before parsing. */
const TASK_COMMANDS = new Set(['run', 'compare', 'plan']);

/** The task argument of `run`/`compare`, resolved early so its options can be registered. */
async function preResolveTask(argv: string[]): Promise<AnyTask | undefined> {
  const cmdIndex = argv.findIndex((a) => !a.startsWith('-'));
  if (cmdIndex < 0 || !TASK_COMMANDS.has(argv[cmdIndex] as string)) return undefined;
  const taskArg = argv.slice(cmdIndex + 1).find((a) => !a.startsWith('-'));
  if (!taskArg) return undefined;
  return loadTask(taskRefFromArg(taskArg));
}

/** Prints one line for an error (the stack only with --verbose) and sets the exit code: 2 for bad input, else 1. */
function report(err: unknown, verbose: boolean): void {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    return; // commander already printed its one-line message
  }
  const input = isFanoutError(err, 'EINPUT');
  process.exitCode = input ? 2 : isFanoutError(err, 'ECANCEL') ? 130 : 1;
  const message = err instanceof Error ? err.message : String(err);
  const code = isFanoutError(err) ? ` [${err.code}]` : '';
  const partial = isFanoutError(err) && err.partial && err.partial.batchesMerged > 0 ? err.partial : undefined;
  const kept = partial
    ? ` (${partial.batchesMerged} batch(es) had finished; partial result: ${clipText(JSON.stringify(partial.result), 200)})`
    : '';
  process.stderr.write(`fanout: ${message.split('\n')[0]}${input ? '' : code}${kept}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

async function main(argv: string[]): Promise<void> {
  quietWarnings(argv.includes('--verbose'));
  // `fanout run --help | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const verbose = argv.includes('--verbose');
  // before the task module is imported: its top-level output must not land in the JSON document
  if (argv.includes('--json')) reserveStdoutForJson();
  try {
    const task = await preResolveTask(argv);
    const program = createProgram(task);
    program.exitOverride();
    // Fixed help width: readable in a terminal and stable when piped or captured by tests.
    program.configureHelp({ helpWidth: 110 }).configureOutput({ writeOut: writeStdout });
    for (const c of program.commands) {
      c.exitOverride().configureHelp({ helpWidth: 110 }).configureOutput({ writeOut: writeStdout });
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    report(err, verbose);
  }
}

await main(process.argv.slice(2));
