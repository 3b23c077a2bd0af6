import { clipText } from '../clip-text.js';
import type { BatchRecord, RunStats } from '../stats.js';

/** Colour of each side/stage in the timeline; other names take the spare colours in order. */
export const SIDE_COLOURS: Record<string, string> = {
  process: '#1f77b4',
  lambda: '#ff7f0e',
  thread: '#2ca02c',
  inline: '#7f7f7f',
  fetch: '#9467bd',
};
const SPARE_COLOURS = ['#17becf', '#bcbd22', '#8c564b', '#e377c2'];
const ERROR_COLOUR = '#d62728';

/** Most bars drawn per timeline; a bigger run is summarised by its first bars and says so. */
export const MAX_BARS = 20_000;

/** Escapes text for HTML/SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `process-10` after `process-2`: lanes sorted by side/stage, then naturally. */
function laneOrder(a: BatchRecord, b: BatchRecord): number {
  const stageRank = (r: BatchRecord): number => (r.stage === 'cpu' ? 1 : 0);
  return (
    stageRank(a) - stageRank(b) ||
    a.side.localeCompare(b.side) ||
    a.workerId.localeCompare(b.workerId, 'en', { numeric: true })
  );
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

function msLabel(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** Characters of an attempt's output in its bar's hover text (the trace and `--records` carry all of it). */
const OUTPUT_IN_TITLE = 1000;

function barTitle(r: BatchRecord): string {
  const parts = [
    `${r.stage === 'cpu' ? 'batch' : r.stage} ${r.batchId}`,
    `attempt ${r.attempt}`,
    `${r.side} · ${r.workerId}`,
    `${Math.round(r.startMs)}–${Math.round(r.endMs)} ms (${Math.round(r.endMs - r.startMs)} ms)`,
  ];
  if (r.cpuMs !== undefined) parts.push(`CPU ${Math.round(r.cpuMs)} ms`);
  if (r.coldStart) parts.push('cold start');
  if (r.speculative) parts.push('speculative copy');
  parts.push(r.error ? `${r.status}: ${r.errorCode ? `${r.errorCode} ` : ''}${r.error}` : r.status);
  const title = parts.join(' · ');
  if (!r.output) return title;
  const cut = r.output.cutBytes ? `\n… ${r.output.cutBytes} more bytes cut` : '';
  return `${title}\noutput:\n${clipText(r.output.text, OUTPUT_IN_TITLE)}${cut}`;
}

/**
 * The timeline of one run as inline SVG: one lane per worker / thread / Lambda instance (workerId), one bar per batch
 * attempt from its start to its end, coloured by side (or stage), with errors in red, retries outlined, duplicates and
 * cancelled copies faded and dashed, cold starts marked by a triangle, and a `<title>` (hover text) on every bar. Each
 * bar carries `data-batch`, `data-attempt` and `data-status`. Pass the same `spanMs` to every timeline of a comparison
 * so their time axes line up.
 */
export function timelineSvg(stats: RunStats, label: string, width = 1200, spanMs?: number): string {
  const records = [...stats.records].slice(0, MAX_BARS);
  const lanes = [...new Map([...records].sort(laneOrder).map((r) => [r.workerId, r])).values()];
  const laneIndex = new Map(lanes.map((r, i) => [r.workerId, i]));
  const laneH = lanes.length <= 16 ? 22 : Math.max(6, Math.floor(520 / lanes.length));
  const left = 140;
  const top = 8;
  const plotW = width - left - 16;
  const span = Math.max(1, spanMs ?? 0, stats.wallMs, ...records.map((r) => r.endMs));
  const height = top + lanes.length * laneH + 28;
  const x = (ms: number): number => left + (Math.max(0, ms) / span) * plotW;
  const colour = (() => {
    const assigned = new Map<string, string>();
    return (side: string): string => {
      const known = SIDE_COLOURS[side] ?? assigned.get(side);
      if (known) return known;
      const c = SPARE_COLOURS[assigned.size % SPARE_COLOURS.length] as string;
      assigned.set(side, c);
      return c;
    };
  })();

  const out: string[] = [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(`timeline of ${label}`)}">`,
  ];
  lanes.forEach((r, i) => {
    const y = top + i * laneH;
    if (i % 2 === 0)
      out.push(`<rect class="lane" x="${left}" y="${y}" width="${plotW}" height="${laneH}" fill="#f4f6f8"/>`);
    if (laneH >= 10) {
      out.push(
        `<text class="lane-label" x="${left - 6}" y="${y + laneH / 2 + 4}" text-anchor="end">${escapeXml(r.workerId)}</text>`,
      );
    }
  });
  const step = niceStep(span, 8);
  const axisY = top + lanes.length * laneH;
  out.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" stroke="#888"/>`);
  for (let t = 0; t <= span; t += step) {
    out.push(
      `<line x1="${x(t)}" y1="${top}" x2="${x(t)}" y2="${axisY + 4}" stroke="#ddd"/>`,
      `<text class="tick" x="${x(t)}" y="${axisY + 18}" text-anchor="middle">${msLabel(t)}</text>`,
    );
  }
  for (const r of records) {
    const y = top + (laneIndex.get(r.workerId) ?? 0) * laneH + 2;
    const h = laneH - 4;
    const x0 = x(r.startMs);
    const w = Math.max(1, x(r.endMs) - x0);
    const fill = r.status === 'error' ? ERROR_COLOUR : colour(r.side);
    const faded = r.status === 'duplicate' || r.status === 'cancelled';
    const style = [
      `fill="${fill}"`,
      faded ? 'fill-opacity="0.35" stroke="#333" stroke-dasharray="3 2"' : '',
      // a thin white edge keeps back-to-back batches on one lane apart
      r.attempt > 1 && !faded ? 'stroke="#000" stroke-width="1.5"' : faded ? '' : 'stroke="#fff" stroke-width="0.75"',
    ]
      .filter(Boolean)
      .join(' ');
    out.push(
      `<rect class="bar ${escapeXml(r.status)}" data-batch="${escapeXml(r.batchId)}" data-attempt="${r.attempt}" data-status="${escapeXml(r.status)}" data-side="${escapeXml(r.side)}" x="${x0.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${h}" ${style}><title>${escapeXml(barTitle(r))}</title></rect>`,
    );
    if (r.coldStart) {
      out.push(
        `<polygon class="cold" points="${x0},${y} ${x0 + Math.min(8, h)},${y} ${x0},${y + Math.min(8, h)}" fill="#000"><title>cold start</title></polygon>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Legend entries for the sides present in `stats` plus the markers. */
export function legendHtml(stats: RunStats): string {
  const sides = [...new Set(stats.records.map((r) => r.side))].sort();
  const swatch = (colour: string, text: string, extra = ''): string =>
    `<span class="key"><svg width="14" height="10"><rect width="14" height="10" fill="${colour}" ${extra}/></svg>${escapeXml(text)}</span>`;
  return [
    ...sides.map((s) => swatch(SIDE_COLOURS[s] ?? '#17becf', s)),
    swatch(ERROR_COLOUR, 'failed attempt'),
    swatch('#999', 'retry (outlined)', 'stroke="#000" stroke-width="2"'),
    swatch('#999', 'duplicate / cancelled copy', 'fill-opacity="0.35" stroke="#333" stroke-dasharray="3 2"'),
    '<span class="key"><svg width="10" height="10"><polygon points="0,0 8,0 0,8" fill="#000"/></svg>cold start</span>',
  ].join(' ');
}
