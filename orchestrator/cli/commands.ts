import type { Command } from 'commander';
import type { AnyTask } from '../tasks/task.js';

/**
 * fanout's commands, as `fanout --help` lists them. Each command's module is loaded only when that command runs (or
 * its help is asked for): `fanout --version` and `fanout run … --backend inline` do not load what `compare`, `plan` or
 * `init` need. `term` is the help's left column, the same as commander would make from the loaded command (a unit
 * test holds them equal); `summary` is the command's description, read by the command itself.
 */
export interface CommandEntry {
  name: string;
  term: string;
  summary: string;
  /** The command's factory; `task` is the task argument resolved before parsing, if any. */
  load(): Promise<(task?: AnyTask) => Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'init',
    term: 'init [options]',
    summary:
      "make this project a fanout project: fanout.config.json, tasks/example.ts, a serverless.yml for fanout's worker function, and the Serverless tooling (osls, serverless-esbuild, serverless-offline) in devDependencies",
    load: async () => (await import('./init-command.js')).initCommand,
  },
  {
    name: 'run',
    term: 'run [options] <task>',
    summary: 'run a task on one backend and print the result and statistics',
    load: async () => (await import('./run-command.js')).runCommand,
  },
  {
    name: 'runs',
    term: 'runs [options]',
    summary: 'list runs on the cloud coordinator (--coordinator cloud): local rehearsals here, and the deployed ones',
    load: async () => (await import('./runs-command.js')).runsCommand,
  },
  {
    name: 'status',
    term: 'status [options] <id>',
    summary: 'where a run on the cloud coordinator stands: status, batches done, time',
    load: async () => (await import('./status-command.js')).statusCommand,
  },
  {
    name: 'result',
    term: 'result [options] <id>',
    summary: 'the result of a run on the cloud coordinator, printed as `run` prints it',
    load: async () => (await import('./result-command.js')).resultCommand,
  },
  {
    name: 'cancel',
    term: 'cancel [options] <id>',
    summary: 'stop a run on the cloud coordinator',
    load: async () => (await import('./cancel-command.js')).cancelCommand,
  },
  {
    name: 'compare',
    term: 'compare [options] <task>',
    summary: 'run the same input on several backends; compare time, CPU, cost; write an HTML timeline',
    load: async () => (await import('./compare-command.js')).compareCommand,
  },
  {
    name: 'plan',
    term: 'plan [options] <task>',
    summary: 'predict wall time and cost of an N-way Lambda fan-out from a short measured sample of the task',
    load: async () => (await import('./plan-command.js')).planCommand,
  },
  {
    name: 'serve-docs',
    term: 'serve-docs [options] <dir>',
    summary: 'serve a folder of text files and /index.txt (their URLs) on 127.0.0.1, for wordcount',
    load: async () => (await import('./serve-docs-command.js')).serveDocsCommand,
  },
  {
    name: 'offline',
    term: 'offline [options]',
    summary:
      "serve this project's Lambda worker on 127.0.0.1 with serverless-offline until Ctrl-C (prints the endpoint for --lambda-endpoint)",
    load: async () => (await import('./offline-command.js')).offlineCommand,
  },
  {
    name: 'demo',
    term: 'demo [options]',
    summary: 'the main job on embedded defaults: wordcount and primes on every backend, compared, with a report',
    load: async () => (await import('./demo-command.js')).demoCommand,
  },
];

/** The description of command `name`. */
export function summaryOf(name: string): string {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`no command ${name}`);
  return entry.summary;
}
