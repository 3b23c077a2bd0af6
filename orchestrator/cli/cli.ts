import { CommanderError } from 'commander';
import { clipText } from '../clip-text.js';
import { isFanoutError } from '../errors.js';
import { count } from '../plural.js';
import { redactUrl } from '../redact-url.js';
import type { AnyTask } from '../tasks/task.js';
import { installInterruptPolicy, interruption } from './interrupt.js';
import { reserveStdoutForJson, writeStdout } from './json-stdout.js';
import { commandOf, createProgram, HELP_WIDTH } from './program.js';
import { quietWarnings } from './quiet-warnings.js';

/** Commands whose first argument is a task whose options must be known before parsing. */
const TASK_COMMANDS = new Set(['run', 'compare', 'plan']);

/** The task argument of `run`/`compare`, resolved early so its options can be registered. */
async function preResolveTask(argv: string[]): Promise<AnyTask | undefined> {
  const cmdIndex = argv.findIndex((a) => !a.startsWith('-'));
  if (cmdIndex < 0 || !TASK_COMMANDS.has(argv[cmdIndex] as string)) return undefined;
  const taskArg = argv.slice(cmdIndex + 1).find((a) => !a.startsWith('-'));
  if (!taskArg) return undefined;
  // module tasks are bundled here (cached by content), and the task object remembers its bundle for the run; loaded
  // only for a task command, so --version and --help never load the tasks
  const { resolveTask } = await import('../bundle/resolve-task.js');
  return (await resolveTask(taskArg)).task;
}

/** Prints one line for an error (the stack only with --verbose) and sets the exit code: 2 for bad input, else 1. */
function report(err: unknown, verbose: boolean): void {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    return; // commander already printed its one-line message
  }
  const input = isFanoutError(err, 'EINPUT');
  const stopped = interruption();
  process.exitCode = input ? 2 : stopped ? stopped.exitCode : isFanoutError(err, 'ECANCEL') ? 130 : 1;
  const message = stopped ? `interrupted by ${stopped.signal}` : err instanceof Error ? err.message : String(err);
  const code = isFanoutError(err) ? ` [${err.code}]` : '';
  const partial = isFanoutError(err) && err.partial && err.partial.batchesMerged > 0 ? err.partial : undefined;
  const kept = partial
    ? ` (${count(partial.batchesMerged, 'batch', 'batches')} had finished; partial result: ${clipText(JSON.stringify(partial.result), 200)})`
    : stopped
      ? ' (no batch had finished)'
      : '';
  // the last line of defence: whatever quoted a URL upstream, its credentials do not reach the terminal
  process.stderr.write(redactUrl(`fanout: ${message.split('\n')[0]}${input || stopped ? '' : code}${kept}\n`));
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${redactUrl(err.stack)}\n`);
}

/**
 * Commander's parse errors (`error: unknown option '--x'`) as fanout's other errors read: one line starting with
 * `fanout:`, with the pointer to --help on the same line.
 */
function outputError(text: string, write: (s: string) => void): void {
  const line =
    text
      .trim()
      .split('\n')[0]
      ?.replace(/^error:\s*/, '') ?? '';
  write(`fanout: ${line} (add --help for usage)\n`);
}

/** Runs the CLI on `argv` (the arguments after `fanout`); sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  quietWarnings(argv.includes('--verbose'));
  // `fanout run --help | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const verbose = argv.includes('--verbose');
  installInterruptPolicy();
  // before the task module is imported: its top-level output must not land in the JSON document
  if (argv.includes('--json')) reserveStdoutForJson();
  try {
    const task = await preResolveTask(argv);
    const program = await createProgram(task, commandOf(argv));
    program.exitOverride();
    program.configureOutput({ writeOut: writeStdout, outputError });
    for (const c of program.commands) {
      c.exitOverride().configureHelp({ helpWidth: HELP_WIDTH }).configureOutput({ writeOut: writeStdout, outputError });
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    report(err, verbose);
  }
  // Interrupted: everything this command started has been stopped; a task's stray timer must not keep us alive.
  const stopped = interruption();
  if (stopped) process.exit(stopped.exitCode);
}
