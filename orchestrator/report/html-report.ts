import { count } from '../plural.js';
import type { Comparison } from './comparison.js';
import { freeTierLines, rowCells, TABLE_HEADERS, type TableCells } from './comparison-table.js';
import { escapeXml, legendHtml, MAX_BARS, timelineSvg } from './timeline-svg.js';

/** The report pages' stylesheet (compare and plan reports share it). */
export const REPORT_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232a; margin: 24px auto; max-width: 1240px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 18px 0 4px; }
.sub { color: #56606b; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0 12px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #dde2e7; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th:last-child, td:last-child { text-align: left; }
th { background: #eef1f4; font-weight: 600; }
ul.advice { margin: 4px 0 8px; padding-left: 20px; } .note { color: #7a4b00; font-size: 13px; margin: 2px 0; }
.free-tier { color: #2d5a27; font-size: 13px; margin: 2px 0; }
.timeline { max-width: 100%; height: auto; display: block; }
.timeline text { font: 11px system-ui, sans-serif; fill: #3a434c; }
.timeline .bar:hover { stroke: #000; stroke-width: 2; }
.legend { font-size: 12px; color: #3a434c; margin: 2px 0 4px; } .legend .key { margin-right: 14px; white-space: nowrap; }
.legend svg { vertical-align: -1px; margin-right: 4px; }
`;

function tableHtml(c: Comparison): string {
  const keys = Object.keys(TABLE_HEADERS) as (keyof TableCells)[];
  const head = `<tr>${keys.map((k) => `<th>${escapeXml(TABLE_HEADERS[k])}</th>`).join('')}</tr>`;
  const body = c.rows
    .map((r) => {
      const cells = rowCells(r, c.baseline);
      return `<tr data-backend="${escapeXml(r.backend)}">${keys.map((k) => `<td>${escapeXml(cells[k])}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table class="comparison">\n${head}\n${body}\n</table>`;
}

function comparisonHtml(c: Comparison, index: number): string {
  const runs = c.runs > 1 ? ` · median of ${c.runs} runs` : '';
  const parts = [
    `<section class="comparison-section" id="c${index}" data-task="${escapeXml(c.task)}">`,
    `<h2>${escapeXml(c.task)} <small>${escapeXml(JSON.stringify(c.input))}</small></h2>`,
    `<p class="sub">result on every backend: <code>${escapeXml(JSON.stringify(c.rows[0]?.result))}</code>${escapeXml(runs)} · speedup relative to ${escapeXml(c.baseline)}</p>`,
    tableHtml(c),
  ];
  if (c.advice.length > 0) {
    parts.push(`<ul class="advice">${c.advice.map((a) => `<li>${escapeXml(a)}</li>`).join('')}</ul>`);
  }
  for (const n of c.notes) parts.push(`<p class="note">${escapeXml(n)}</p>`);
  for (const f of freeTierLines(c)) parts.push(`<p class="free-tier">${escapeXml(f)}</p>`);
  // one time scale for every backend of a comparison, so bar lengths compare across timelines
  const span = Math.max(...c.rows.map((r) => Math.max(r.stats.wallMs, ...r.stats.records.map((x) => x.endMs))));
  for (const r of c.rows) {
    const attempts = r.stats.records.length;
    const capped = attempts > MAX_BARS ? ` (first ${MAX_BARS} of ${attempts} drawn)` : '';
    parts.push(
      `<div class="run" data-backend="${escapeXml(r.backend)}" data-attempts="${attempts}">`,
      `<h3>${escapeXml(r.backend)} — ${(r.wallMs / 1000).toFixed(2)} s, ${count(attempts, 'attempt')}${escapeXml(capped)}</h3>`,
      `<div class="legend">${legendHtml(r.stats)}</div>`,
      timelineSvg(r.stats, `${c.task} on ${r.backend}`, 1200, span),
      '</div>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** Options of {@link htmlReport}. */
export interface HtmlReportOptions {
  /** Link (relative to the report) to the Trace Event Format file of the same runs, when one was written. */
  traceHref?: string;
}

/** Encodes a relative file path for an href, keeping its slashes. */
function hrefOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * One self-contained HTML page (inline CSS and SVG, no scripts, no external requests) with, per comparison, the table,
 * the advice, and a timeline per backend drawn from the median run's batch records.
 */
export function htmlReport(
  comparisons: readonly Comparison[],
  title = 'fanout compare',
  opts: HtmlReportOptions = {},
): string {
  const when = new Date().toISOString().replace('T', ' ').slice(0, 19);
  const trace = opts.traceHref
    ? `<p class="sub trace">Every attempt of every run, as a trace: <a class="trace" href="${escapeXml(hrefOf(opts.traceHref))}">${escapeXml(opts.traceHref)}</a> — open it in ui.perfetto.dev or chrome://tracing (Load / Open trace file).</p>\n`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="sub">Generated ${escapeXml(when)} UTC by fanout. Hover a bar for its batch, worker, times and status.</p>
${trace}${comparisons.map(comparisonHtml).join('\n')}
</body>
</html>
`;
}
