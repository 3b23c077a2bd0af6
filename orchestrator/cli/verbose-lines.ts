import { clipText } from '../clip-text.js';
import type { FanoutOptions } from '../options.js';
import { taskOutputLines } from '../run/task-output-lines.js';
import type { BatchRecord } from '../stats.js';

/**
 * `onTaskOutput` of `run` and `compare`: what a task's map prints, each line with its lane, through `log` (stderr,
 * above the progress bar), or nothing with `--quiet-tasks`.
 */
export function taskOutputListener(flags: Record<string, unknown>, log: (line: string) => void): FanoutOptions {
  if (flags.quietTasks === true) return { onTaskOutput: () => {} };
  return {
    onTaskOutput: (output) => {
      for (const line of taskOutputLines(output)) log(line);
    },
  };
}

/**
 * The `--verbose` line of one finished batch attempt: batch id, worker, attempt, caller-side ms and the outcome
 * (`ok`, `error ETASK: …`, `duplicate`, `cancelled`), plus `cold` for a cold start. Fetches are not listed here.
 */
export function attemptLine(r: BatchRecord, backend?: string): string | undefined {
  if (r.stage !== 'cpu') return undefined;
  const ms = Math.round(r.endMs - r.startMs);
  const outcome =
    r.status === 'error'
      ? `error${r.errorCode ? ` ${r.errorCode}` : ''}: ${clipText((r.error ?? '').split('\n')[0] ?? '', 160)}`
      : r.status;
  const where = backend && backend !== r.side ? `${backend}/${r.workerId}` : r.workerId;
  const extra = `${r.coldStart ? ' · cold' : ''}${r.speculative ? ' · speculative' : ''}`;
  return `batch ${r.batchId} · ${where} · attempt ${r.attempt} · ${ms} ms · ${outcome}${extra}`;
}
