/**
 * The caller's end of a task's own output: what each attempt's map wrote (captured on the far side, see
 * far-side/task-output.ts) becomes lines prefixed with the attempt's lane, for {@link FanoutOptions.onTaskOutput}.
 */
import { TASK_OUTPUT_CAP_BYTES } from '../far-side/task-output.js';
import type { BatchRecord } from '../stats.js';

/** One attempt's output, as {@link FanoutOptions.onTaskOutput} receives it. */
export interface TaskOutputEvent {
  /** The lane that ran the attempt, as the records and the trace name it: `process-1`, `thread-0`, `lambda-3f2a…`, `main`. */
  lane: string;
  batchId: string;
  attempt: number;
  /** How the attempt ended: a failed attempt's output is delivered too. */
  status: BatchRecord['status'];
  /** The lines the map wrote, stdout and stderr interleaved as written, without line ends. */
  lines: string[];
  /** Bytes the map wrote beyond the first 8 KB of the attempt, left out. Absent when nothing was cut. */
  cutBytes?: number;
}

/** The output of the attempt `record` stands for, or undefined when its map wrote nothing. */
export function taskOutputEvent(record: BatchRecord): TaskOutputEvent | undefined {
  const output = record.output;
  if (!output) return undefined;
  const lines = output.text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return {
    lane: record.workerId,
    batchId: record.batchId,
    attempt: record.attempt,
    status: record.status,
    lines,
    ...(output.cutBytes !== undefined ? { cutBytes: output.cutBytes } : {}),
  };
}

/**
 * The event as terminal lines: each prefixed with its lane (`[process-1] …`); the lines of an attempt that did not
 * succeed also say which attempt and how it ended (`[process-1 · batch 3 · attempt 1 error] …`); a cut ends with a note.
 */
export function taskOutputLines(e: TaskOutputEvent): string[] {
  const prefix =
    e.status === 'ok' ? `[${e.lane}]` : `[${e.lane} · batch ${e.batchId} · attempt ${e.attempt} ${e.status}]`;
  const lines = e.lines.map((line) => `${prefix} ${line}`);
  if (e.cutBytes !== undefined) {
    lines.push(
      `${prefix} … ${e.cutBytes} more bytes of this batch's output cut (the first ${TASK_OUTPUT_CAP_BYTES} bytes of a batch are kept)`,
    );
  }
  return lines;
}

/** The default of {@link FanoutOptions.onTaskOutput}: the lines on stderr, so stdout stays the caller's. */
export function printTaskOutput(e: TaskOutputEvent): void {
  process.stderr.write(`${taskOutputLines(e).join('\n')}\n`);
}
