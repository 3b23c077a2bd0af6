import type { Comparison, ComparisonRow } from './comparison.js';
import { formatUsd, freeTierLine } from './cost.js';

/** The columns of the comparison table, as display strings (shared by the text table and the HTML report). */
export interface TableCells {
  backend: string;
  wall: string;
  speedup: string;
  cpu: string;
  cpuPerWall: string;
  batches: string;
  retries: string;
  cost: string;
}

/** Column titles, in order. */
export const TABLE_HEADERS: Record<keyof TableCells, string> = {
  backend: 'backend',
  wall: 'wall',
  speedup: 'speedup',
  cpu: 'CPU',
  cpuPerWall: 'CPU/wall',
  batches: 'batches per side',
  retries: 'retries',
  cost: 'est. cost',
};

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

/** One row as display strings: `1.23 s`, `1.9×`, `process 12 · lambda 30`, `$0.0000042 + 2.1 CPU-s`. */
export function rowCells(row: ComparisonRow, baseline: string): TableCells {
  const sides = Object.entries(row.batchesBySide)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([side, n]) => `${side} ${n}`)
    .join(' · ');
  const parts: string[] = [];
  const lambda = row.cost.lambda;
  if (lambda) {
    const init = lambda.init.coldStarts
      ? `, ${lambda.init.coldStarts} INIT${lambda.init.measuredOn === 'emulator' ? ' (emulated)' : ''}`
      : '';
    parts.push(`${formatUsd(lambda.totalUsd)} (${lambda.requests} req${init})`);
  }
  if (row.cost.local.cpuSeconds > 0 || !row.cost.lambda) {
    parts.push(
      row.cost.local.usd !== undefined
        ? `${formatUsd(row.cost.local.usd)} local`
        : `${row.cost.local.cpuSeconds.toFixed(2)} CPU-s`,
    );
  }
  return {
    backend: row.backend,
    wall: seconds(row.wallMs),
    speedup: row.backend === baseline ? '1.00× (base)' : `${row.speedup.toFixed(2)}×`,
    ...cpuCells(row),
    batches: sides || '0',
    retries: row.duplicates > 0 ? `${row.retries} (+${row.duplicates} dup)` : String(row.retries),
    cost: parts.join(' + '),
  };
}

/** Text for a CPU figure nobody measured: never a 0 that reads as "no CPU used". */
export const NOT_MEASURED = 'n/a (not measured)';

/**
 * The CPU and CPU/wall cells: measured figures as they are; `n/a (not measured)` when nothing that ran reported its
 * CPU; a partial sum marked with how many attempts it leaves out (and CPU/wall with a `+`: it can only be higher).
 */
function cpuCells(row: ComparisonRow): Pick<TableCells, 'cpu' | 'cpuPerWall'> {
  if (row.cpuUnmeasured > 0 && row.cpuMs === 0) return { cpu: NOT_MEASURED, cpuPerWall: NOT_MEASURED };
  const partial = row.cpuUnmeasured > 0 ? ` (+${row.cpuUnmeasured} not measured)` : '';
  return { cpu: `${seconds(row.cpuMs)}${partial}`, cpuPerWall: `${row.cpuPerWall.toFixed(2)}${partial ? '+' : ''}` };
}

/** The comparison as an aligned text table, then the advice and the notes. */
export function formatComparison(c: Comparison): string {
  const keys = Object.keys(TABLE_HEADERS) as (keyof TableCells)[];
  const cells = c.rows.map((r) => rowCells(r, c.baseline));
  const width = keys.map((k) => Math.max(TABLE_HEADERS[k].length, ...cells.map((r) => r[k].length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => (i === 0 || i === vals.length - 1 ? v.padEnd(width[i] ?? 0) : v.padStart(width[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const runs = c.runs > 1 ? `, median of ${c.runs} runs` : '';
  const out = [
    `${c.task}: ${JSON.stringify(c.input)}${runs}; result ${JSON.stringify(c.rows[0]?.result)} on every backend`,
    '',
    line(keys.map((k) => TABLE_HEADERS[k])),
    line(width.map((w) => '-'.repeat(w))),
    ...cells.map((r) => line(keys.map((k) => r[k]))),
  ];
  if (c.advice.length > 0) out.push('', 'Advice:', ...c.advice.map((a) => `  - ${a}`));
  if (c.notes.length > 0) out.push('', ...c.notes.map((n) => `Note: ${n}`));
  const free = freeTierLines(c);
  if (free.length > 0) out.push('', ...free);
  return out.join('\n');
}

/** One free-tier line per row that ran on Lambda (the table's bills are before the free tier). */
export function freeTierLines(c: Comparison): string[] {
  return c.rows.flatMap((r) => (r.cost.lambda ? [freeTierLine(r.backend, r.cost.lambda)] : []));
}

/** The comparison as one JSON document: one row per backend with its result and cost (records left out). */
export function comparisonJson(c: Comparison): unknown {
  return {
    task: c.task,
    input: c.input,
    baseline: c.baseline,
    runs: c.runs,
    warmups: c.warmups,
    order: c.order,
    pricing: c.pricing,
    rows: c.rows.map((r) => {
      const { records: _records, billing: _billing, ...stats } = r.stats;
      return {
        backend: r.backend,
        result: r.result,
        wallMs: r.wallMs,
        runsWallMs: r.runsWallMs,
        speedup: round(r.speedup),
        // null, not 0, when nothing reported its CPU
        cpuMs: r.cpuUnmeasured > 0 && r.cpuMs === 0 ? null : r.cpuMs,
        cpuPerWall: r.cpuUnmeasured > 0 && r.cpuMs === 0 ? null : round(r.cpuPerWall),
        cpuUnmeasured: r.cpuUnmeasured,
        batchesBySide: r.batchesBySide,
        retries: r.retries,
        duplicates: r.duplicates,
        cost: r.cost,
        stats,
      };
    }),
    advice: c.advice,
    notes: c.notes,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
