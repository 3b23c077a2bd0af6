import { REPORT_CSS } from '../report/html-report.js';
import { escapeXml } from '../report/timeline-svg.js';
import type { Plan } from './plan.js';
import { formatMs, formatUsd } from './plan-text.js';
import { sweepHtml } from './sweep-report.js';

const COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#d62728', '#8c564b', '#e377c2'];
const LOCAL_COLOUR = '#ff7f0e';

/**
 * A log-log SVG of predicted wall time vs N: one line for the local processes, one per concurrency, with a dot where
 * Lambda overtakes local. Small and self-contained (no scripts).
 */
export function planSvg(plan: Plan, width = 720, height = 360): string {
  const pad = { l: 64, r: 150, t: 16, b: 40 };
  const xs = plan.rows.map((r) => r.batches);
  const ys = plan.rows.flatMap((r) => [r.localMs, ...r.lambda.map((c) => c.wallMs)]).filter((y) => y > 0);
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
  const px = (n: number): number => pad.l + ((Math.log10(n) - x0) / Math.max(1e-9, x1 - x0)) * (width - pad.l - pad.r);
  const py = (ms: number): number =>
    pad.t + (1 - (Math.log10(Math.max(ms, 10 ** y0)) - y0) / Math.max(1e-9, y1 - y0)) * (height - pad.t - pad.b);
  const parts: string[] = [
    `<svg class="plan-curve" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="predicted wall time vs batches">`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e).toFixed(1);
    parts.push(
      `<line x1="${pad.l}" x2="${width - pad.r}" y1="${y}" y2="${y}" stroke="#dde2e7"/>`,
      `<text x="${pad.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatMs(10 ** e))}</text>`,
    );
  }
  for (const n of xs) {
    parts.push(
      `<text x="${px(n).toFixed(1)}" y="${height - pad.b + 16}" text-anchor="middle">${n}</text>`,
      `<line x1="${px(n).toFixed(1)}" x2="${px(n).toFixed(1)}" y1="${pad.t}" y2="${height - pad.b}" stroke="#eef1f4"/>`,
    );
  }
  parts.push(`<text x="${(pad.l + width - pad.r) / 2}" y="${height - 6}" text-anchor="middle">batches (N)</text>`);
  const series = [
    {
      name: `local (${plan.request.cores} cores)`,
      colour: LOCAL_COLOUR,
      pts: plan.rows.map((r) => [r.batches, r.localMs]),
    },
    ...plan.concurrencies.map((c, i) => ({
      name: `Lambda c=${c}`,
      colour: COLOURS[i % COLOURS.length] as string,
      pts: plan.rows.map((r) => [r.batches, r.lambda[i]?.wallMs ?? 0]),
    })),
  ];
  series.forEach((s, i) => {
    const d = s.pts.map(
      ([n, ms], j) => `${j === 0 ? 'M' : 'L'}${px(n as number).toFixed(1)},${py(ms as number).toFixed(1)}`,
    );
    parts.push(
      `<path class="series" data-series="${escapeXml(s.name)}" d="${d.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2"/>`,
      `<text x="${width - pad.r + 10}" y="${pad.t + 14 + i * 16}" fill="${s.colour}">${escapeXml(s.name)}</text>`,
    );
  });
  plan.overtake.forEach((o, i) => {
    if (o.batches === null) return;
    const x = px(Math.max(o.batches, Math.min(...xs)));
    const y = py((plan.sample.batchMs * o.batches) / plan.request.cores);
    parts.push(
      `<circle class="overtake" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${COLOURS[i % COLOURS.length]}"><title>c=${o.concurrency}: Lambda faster from N = ${o.batches}</title></circle>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** One self-contained HTML page with the plan's grid and curve, in the compare report's style. */
export function planHtml(taskName: string, plan: Plan, text: string): string {
  const head = `<tr><th>N</th><th>local (${plan.request.cores} cores)</th>${plan.concurrencies.map((c) => `<th>c=${c}</th>`).join('')}</tr>`;
  const body = plan.rows
    .map(
      (r) =>
        `<tr><td>${r.batches}</td><td>${escapeXml(formatMs(r.localMs))}</td>${r.lambda
          .map((c) => `<td>${escapeXml(`${formatMs(c.wallMs)} / ${formatUsd(c.usd)}`)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanout plan: ${escapeXml(taskName)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>fanout plan: ${escapeXml(taskName)}</h1>
<p class="sub">Predicted from a measured sample; wall time / cost per cell${plan.sweep ? ` at the balanced memory size, ${plan.request.memoryMb} MB` : ''}.</p>
${plan.sweep ? sweepHtml(plan.sweep) : ''}
<table class="plan">\n${head}\n${body}\n</table>
${planSvg(plan)}
<pre>${escapeXml(text)}</pre>
</body>
</html>
`;
}
