import type { CoordinatorOutput } from '../coordinator/coordinator-wire.js';
import { writeStdout } from './json-stdout.js';
import { runJson, runText } from './run-output.js';

/** Prints a finished cloud-coordinated run as `run` prints a local one: the same text, the same `--json` document. */
export function printRun(task: string, backend: string, output: CoordinatorOutput, json: boolean): void {
  if (json) writeStdout(`${JSON.stringify(runJson(task, backend, output, false))}\n`);
  else console.log(runText(task, backend, output));
}
