import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunInfo } from '../options.js';
import type { BatchRecord } from '../stats.js';
import { buildTrace, type TracedRun } from './trace-events.js';

/**
 * Collects every record of one or more runs through {@link FanoutOptions.onRecord} (not the capped `stats.records`, so
 * a trace has every attempt) and writes them as a Trace Event Format file.
 */
export class TraceRecorder {
  readonly #runs: TracedRun[] = [];

  /** Pass as `onRecord`: files each record under its run (a new run starts when backend or start time change). */
  readonly onRecord = (record: BatchRecord, run: RunInfo): void => {
    let last = this.#runs.at(-1);
    if (!last || last.run.startedAt !== run.startedAt || last.run.backend !== run.backend) {
      last = { run: { ...run }, records: [] };
      this.#runs.push(last);
    }
    last.records.push(record);
  };

  /** Records collected so far, over every run. */
  get recordCount(): number {
    return this.#runs.reduce((n, r) => n + r.records.length, 0);
  }

  /** Writes the trace (JSON object format) to `path` and returns its absolute path. */
  write(path: string, otherData: Record<string, string> = {}): string {
    const file = resolve(path);
    writeFileSync(file, JSON.stringify(buildTrace(this.#runs, otherData)));
    return file;
  }
}
