import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fanoutCli } from '../helpers/fanout-cli.js';

describe('fanout plan (the real binary)', () => {
  it('prints a plan as JSON from a measured sample, and writes the HTML report with the curve', async () => {
    // Prepare
    const report = join(mkdtempSync(join(tmpdir(), 'fanout-plan-')), 'plan.html');
    // Act
    const run = await fanoutCli([
      'plan',
      'sleep',
      '--ms',
      '20',
      '--batches',
      '500',
      '--concurrency',
      '50',
      '--memory',
      '512',
      '--cores',
      '2',
      '--report',
      report,
      '--json',
    ]);
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.task).toBe('sleep');
    expect(plan.input).toEqual({ ms: 20, batches: 500 });
    expect(plan.measured.sampled).toBe(4);
    // a sleep batch is measured, not assumed: at least its 20 ms, and almost no CPU
    expect(plan.sample.batchMs).toBeGreaterThanOrEqual(19);
    expect(plan.sample.batchCpuMs).toBeLessThan(plan.sample.batchMs);
    expect(plan.prediction.cost.requests).toBe(500);
    expect(plan.prediction.coldStarts).toBe(50);
    expect(plan.prediction.effectiveConcurrency).toBe(50);
    // 10 waves of ~20 ms after one cold start, whatever the machine
    expect(plan.prediction.wallMs).toBeGreaterThanOrEqual(10 * 19 + plan.sample.coldStartMs);
    expect(plan.rows.map((r: { batches: number }) => r.batches)).toEqual([1, 10, 100, 500, 1000, 10000]);
    expect(plan.concurrencies).toEqual([10, 50, 100, 1000]);
    expect(plan.overtake).toHaveLength(4);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg class="plan-curve"');
    expect(html.match(/class="series"/g)).toHaveLength(5);
  }, 60_000);

  it.each([
    [['plan', 'sleep', '--batches', '0', '--concurrency', '4'], 'Expected `--batches` to be a positive integer'],
    [['plan', 'sleep', '--batches', '20000', '--concurrency', '4'], '`--batches` to be an integer from 1 to 10000'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', 'x'], '`--concurrency` to be a positive integer'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', '4', '--memory', '64'], '`--memory`'],
    [
      ['plan', 'sleep', '--batches', '10', '--concurrency', '4', '--target', 'emulator'],
      'needs a sample on the emulator',
    ],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    const run = await fanoutCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
