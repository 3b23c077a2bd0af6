import { escapeXml } from '../report/timeline-svg.js';
import type { MemorySweep, SweepPoint } from './memory-sweep.js';
import { formatMs, formatUsd } from './plan-text.js';

/** The picks a size carries, in a fixed order: `cheapest, balanced`. */
export function picksOf(sweep: MemorySweep, memoryMb: number): string[] {
  return (['cheapest', 'fastest', 'balanced'] as const).filter((k) => sweep[k] === memoryMb);
}

/** The sweep as rows of text cells: memory, one batch, INIT, wall, GB-s, cost, picks. */
export function sweepCells(sweep: MemorySweep): { head: string[]; body: string[][] } {
  return {
    head: ['memory', 'one batch', 'INIT', 'wall', 'GB-s', 'cost', 'pick'],
    body: sweep.points.map((p) => [
      `${p.memoryMb} MB`,
      formatMs(p.lambdaBatchMs),
      formatMs(p.initMs),
      formatMs(p.wallMs),
      p.gbSeconds.toFixed(2),
      formatUsd(p.usd),
      picksOf(sweep, p.memoryMb).join(', '),
    ]),
  };
}

/** One line naming the three picks. */
export function sweepSummary(sweep: MemorySweep): string {
  const at = (mb: number): SweepPoint => sweep.points.find((p) => p.memoryMb === mb) as SweepPoint;
  const say = (name: string, mb: number): string =>
    `${name} ${mb} MB (${formatMs(at(mb).wallMs)}, ${formatUsd(at(mb).usd)})`;
  return [say('cheapest', sweep.cheapest), say('fastest', sweep.fastest), say('balanced', sweep.balanced)].join('; ');
}

const PICK_COLOUR: Record<string, string> = { cheapest: '#2ca02c', fastest: '#d62728', balanced: '#1f77b4' };

/**
 * An SVG of predicted cost against wall time, one labelled point per memory size, the picks coloured. Linear axes from
 * zero so distances read as ratios; small and self-contained (no scripts).
 */
export function sweepSvg(sweep: MemorySweep, width = 720, height = 360): string {
  const pad = { l: 84, r: 24, t: 16, b: 44 };
  const maxWall = Math.max(...sweep.points.map((p) => p.wallMs)) * 1.1 || 1;
  const maxUsd = Math.max(...sweep.points.map((p) => p.usd)) * 1.15 || 1;
  const px = (ms: number): number => pad.l + (ms / maxWall) * (width - pad.l - pad.r);
  const py = (usd: number): number => pad.t + (1 - usd / maxUsd) * (height - pad.t - pad.b);
  const parts = [
    `<svg class="plan-sweep" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="predicted cost against wall time, one point per memory size">`,
    `<line x1="${pad.l}" x2="${width - pad.r}" y1="${py(0)}" y2="${py(0)}" stroke="#8a939c"/>`,
    `<line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${py(0)}" stroke="#8a939c"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const ms = (maxWall * i) / 4;
    const usd = (maxUsd * i) / 4;
    parts.push(
      `<text x="${px(ms).toFixed(1)}" y="${height - pad.b + 16}" text-anchor="middle">${escapeXml(formatMs(ms))}</text>`,
      `<text x="${pad.l - 6}" y="${py(usd).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatUsd(usd))}</text>`,
    );
  }
  parts.push(
    `<text x="${(pad.l + width - pad.r) / 2}" y="${height - 6}" text-anchor="middle">predicted wall time</text>`,
    `<text x="14" y="${(pad.t + height - pad.b) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(pad.t + height - pad.b) / 2})">predicted cost</text>`,
  );
  for (const p of sweep.points) {
    const picks = picksOf(sweep, p.memoryMb);
    const colour = PICK_COLOUR[picks[0] ?? ''] ?? '#56606b';
    const x = px(p.wallMs).toFixed(1);
    const y = py(p.usd).toFixed(1);
    const label = `${p.memoryMb} MB${picks.length > 0 ? ` (${picks.join(', ')})` : ''}`;
    parts.push(
      `<circle class="size" data-memory="${p.memoryMb}" cx="${x}" cy="${y}" r="5" fill="${colour}"><title>${escapeXml(`${label}: ${formatMs(p.wallMs)}, ${formatUsd(p.usd)}`)}</title></circle>`,
      `<text x="${x}" y="${(Number(y) - 9).toFixed(1)}" text-anchor="middle" fill="${colour}">${escapeXml(label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The sweep's section of the HTML report: the table and the chart. */
export function sweepHtml(sweep: MemorySweep): string {
  const { head, body } = sweepCells(sweep);
  const rows = body.map(
    (cells, i) =>
      `<tr data-memory="${sweep.points[i]?.memoryMb}">${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`,
  );
  return `<h2>Memory sizes</h2>
<p class="sub">${escapeXml(sweepSummary(sweep))}</p>
<table class="sweep">
<tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>
${rows.join('\n')}
</table>
${sweepSvg(sweep)}`;
}
