import type { Command } from 'commander';
import { TraceRecorder } from '../report/trace-recorder.js';
import { checkWritablePath } from './writable-path.js';

/** Registers `--trace <file>` (run and compare). */
export function addTraceFlag(cmd: Command): Command {
  return cmd.option(
    '--trace <file>',
    'write every attempt and fetch as a Trace Event Format JSON file (open in ui.perfetto.dev or chrome://tracing)',
  );
}

/** A trace being recorded for `--trace`: pass `recorder.onRecord` to the run, then `write()`. */
export interface TraceFlag {
  recorder: TraceRecorder;
  /** Writes the trace file; returns its absolute path. */
  write(command: string): string;
}

/**
 * The recorder for `--trace`, after checking (before anything runs) that the file can be written; undefined without
 * the flag.
 */
export function traceFrom(flags: Record<string, unknown>): TraceFlag | undefined {
  if (typeof flags.trace !== 'string') return undefined;
  const path = flags.trace;
  checkWritablePath(path, '--trace');
  const recorder = new TraceRecorder();
  return {
    recorder,
    write: (command) => recorder.write(path, { tool: 'fanout', command }),
  };
}
