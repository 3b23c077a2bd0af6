import { COORDINATOR_MEMORY_MB } from '../coordinator/coordinator-cost.js';
import { OFFLOAD_OVER_BYTES } from '../far-side/payload-limit.js';
import type { Plan } from './plan.js';
import { sweepCells, sweepSummary } from './sweep-report.js';
import type { MeasuredSample } from './task-sample.js';

/** `1.23 s`, `850 ms`, `2.1 min`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** `$0.0012`, `$1.23`. */
export function formatUsd(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Which sampled batches would go through S3, when any would. */
function offloadLines(sample: MeasuredSample): string[] {
  const over = sample.offloads.filter((o) => o.event || o.reply);
  if (over.length === 0) return [];
  const which = over.map(
    (o) => `${o.batch} (${[o.event ? 'event' : '', o.reply ? 'reply' : ''].filter(Boolean).join(' + ')})`,
  );
  return [
    `offload: sampled batch${over.length === 1 ? '' : 'es'} ${which.join(', ')} of ${sample.offloads.length} would go through S3 (over ${bytes(OFFLOAD_OVER_BYTES)}); the S3 requests are in the cost below`,
  ];
}

/** The asked fan-out with the cloud coordinator, when the plan has it. */
function cloudLines(plan: Plan): string[] {
  const c = plan.cloudCoordinator;
  if (c === undefined) return [];
  return [
    `with the cloud coordinator: ${formatUsd(c.totalUsd)} (the above + ${c.operations} durable operations in ${c.groups} group${c.groups === 1 ? '' : 's'} of up to ${c.groupSize} batches ${formatUsd(c.operationsUsd)} + its own ${formatMs(c.durationMs)} at ${COORDINATOR_MEMORY_MB} MB in ${c.invocations} invocation${c.invocations === 1 ? '' : 's'} ${formatUsd(c.durationUsd)}); the caller's uplink carries ${bytes(c.bandwidthSavedBytes)} less (events and replies)`,
  ];
}

/** Right-aligned columns under a rule: the grid's and the sweep's layout. */
function alignedTable(head: string[], body: string[][]): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(width[i] ?? 0)).join('  ');
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** The plan as text: the sample, the asked scenario, the N × concurrency grid, and where Lambda overtakes. */
export function planText(taskName: string, plan: Plan, sample: MeasuredSample): string {
  const r = plan.request;
  const p = plan.prediction;
  const target = r.target === 'aws' ? `Lambda ${r.memoryMb} MB ${r.architecture}` : 'the emulator (this machine)';
  const lines = [
    `plan: ${taskName}, ${r.batches} batches at concurrency ${r.concurrency} on ${target}`,
    `sample: ${sample.sampled} batches timed after one warm-up — ${formatMs(sample.batchMs)} per batch locally (CPU ${formatMs(sample.batchCpuMs)}), event ${bytes(sample.requestBytes)}, reply ${bytes(sample.responseBytes)} (6 MiB limit each; larger go through S3)`,
    ...offloadLines(sample),
    `cold start ${formatMs(sample.coldStartMs)} [${sample.coldStartSource}]${sample.sharedInit === undefined ? '' : `; on the emulator n at once take ${formatMs(sample.sharedInit.fixedMs)} + n × ${formatMs(sample.sharedInit.perEnvironmentMs)} each`}; invoke overhead ${formatMs(sample.invokeOverheadMs)} [${sample.overheadSource}]`,
    `one batch on ${target}: ${formatMs(p.lambdaBatchMs)}`,
    '',
    `predicted: ${formatMs(p.wallMs)} wall, ${p.coldStarts} cold starts, ${p.cost.requests} requests, ${p.cost.gbSeconds.toFixed(1)} GB-s, ${formatUsd(p.totalUsd)}` +
      ` (concurrency ${p.effectiveConcurrency}, limited by ${p.limitedBy}${p.rampLimited ? '; the 1,000-per-10-s scaling ramp delays some invokes' : ''})`,
    ...p.extras.map((e) => `  plus ${e.what}: ${e.requests} requests, ${formatUsd(e.usd)} (in the total above)`),
    ...cloudLines(plan),
    `local: ${r.cores} processes, ${formatMs(plan.localMs)} (per-batch time × N / cores) — Lambda ${plan.localMs > p.wallMs ? `${(plan.localMs / p.wallMs).toFixed(1)}× faster` : `${(p.wallMs / plan.localMs).toFixed(1)}× slower`}`,
    '',
  ];
  if (plan.sweep) {
    const { head, body } = sweepCells(plan.sweep);
    lines.push(
      `memory sizes (${r.batches} batches at concurrency ${r.concurrency}, ${r.architecture}):`,
      ...alignedTable(head, body),
      `${sweepSummary(plan.sweep)} — the plan above and the grid below are at the balanced size`,
      '',
    );
  }
  lines.push('wall time / cost vs N and concurrency:');
  const head = ['N', `local (${r.cores} cores)`, ...plan.concurrencies.map((c) => `c=${c}`)];
  const body = plan.rows.map((row) => [
    String(row.batches),
    formatMs(row.localMs),
    ...row.lambda.map((cell) => `${formatMs(cell.wallMs)} / ${formatUsd(cell.usd)}`),
  ]);
  lines.push(...alignedTable(head, body), '');
  for (const o of plan.overtake) {
    lines.push(
      o.batches === null
        ? `c=${o.concurrency}: Lambda does not overtake ${r.cores} local processes up to 10,000 batches`
        : `c=${o.concurrency}: Lambda overtakes ${r.cores} local processes from N = ${o.batches}`,
    );
  }
  return lines.join('\n');
}
