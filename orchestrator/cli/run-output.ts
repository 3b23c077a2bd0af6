import { clipText } from '../clip-text.js';
import { isFanoutError } from '../errors.js';
import type { FanoutResult } from '../fanout.js';
import { count } from '../plural.js';
import type { RunStats } from '../stats.js';

/** The `--json` document of `fanout run`. Records are left out unless asked for (they can be 100,000 lines). */
export function runJson(task: string, backend: string, res: FanoutResult, withRecords: boolean): object {
  // billing feeds the cost model only; the documented --json shape leaves it out
  const { records, billing: _billing, ...rest } = res.stats;
  return { task, backend, result: res.result, stats: withRecords ? { ...rest, records } : rest };
}

/** JSON.stringify replacer: a Map (a merge state such as wordcount's counts) as an object, a Set as an array. */
function jsonData(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/**
 * The `--json` document of a `fanout run` that failed or was interrupted: `error: { code, message }` and what had
 * been merged (`partial.result`, the merge state before finalize; `partial.batchesMerged`), `null` when nothing had.
 */
export function runFailureJson(task: string, backend: string, err: unknown): object {
  const code = isFanoutError(err) ? err.code : 'EINTERNAL';
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const partial = isFanoutError(err) && err.partial ? err.partial : undefined;
  return {
    task,
    ...(backend ? { backend } : {}),
    error: { code, message },
    partial: partial ? JSON.parse(JSON.stringify(partial, jsonData) ?? 'null') : null,
  };
}

/** Keeps a line readable when a failed item is a 2 MB URL; the full text stays in `--json`. */
function clip(text: string, max = 200): string {
  return text.length > max ? `${clipText(text, max)} (${text.length} chars)` : text;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Per-worker share line: `process-0 8 (50%) · process-1 8 (50%)`. */
function workerShares(stats: RunStats): string {
  const entries = Object.entries(stats.byWorker).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const total = entries.reduce((s, [, t]) => s + t.batches, 0) || 1;
  const shown = entries.slice(0, 12).map(([w, t]) => `${w} ${t.batches} (${Math.round((100 * t.batches) / total)}%)`);
  if (entries.length > 12) shown.push(`… ${entries.length - 12} more`);
  return shown.join(' · ');
}

/** `1.20 s (CPU/wall 0.85)`, with what was not measured said as such rather than counted as 0 ms. */
function cpuLine(s: RunStats, ratio: string): string {
  const unmeasured = s.cpuUnmeasured ?? 0;
  if (unmeasured > 0 && s.cpuMs === 0) return 'n/a (not measured)';
  const partial = unmeasured > 0 ? `; ${count(unmeasured, 'attempt')} not measured, left out` : '';
  return `${fmtMs(s.cpuMs)} (CPU/wall ${ratio}${partial})`;
}

/** Human-readable summary of a run. */
export function runText(task: string, backend: string, res: FanoutResult): string {
  const s = res.stats;
  const ratio = s.wallMs > 0 ? (s.cpuMs / s.wallMs).toFixed(2) : '–';
  const lines = [
    `${task} on ${backend}`,
    `result    ${JSON.stringify(res.result)}`,
    `wall      ${fmtMs(s.wallMs)} · ${count(s.batches, 'batch', 'batches')} · ${count(s.retries, 'retry', 'retries')}${s.duplicates ? ` · ${count(s.duplicates, 'duplicate')} dropped` : ''}`,
    `cpu       ${cpuLine(s, ratio)}`,
    `workers   ${workerShares(s)}`,
  ];
  if (s.failed?.length) {
    lines.push(`failed    ${count(s.failed.length, 'item')}:`);
    for (const f of s.failed.slice(0, 10)) lines.push(`  ${clip(f.item)}: ${clip(f.reason)}`);
    if (s.failed.length > 10) lines.push(`  … ${s.failed.length - 10} more (see --json)`);
  }
  return lines.join('\n');
}
