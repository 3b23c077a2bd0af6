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
    // with the cloud coordinator: 500 batches at concurrency 50 are one group of 500 → 4 + 500 + 3 operations
    const cloud = plan.cloudCoordinator;
    expect(cloud.operations).toBe(507);
    expect(cloud.operationsUsd).toBeCloseTo(507 * 8e-6, 12);
    expect(cloud.totalUsd).toBeCloseTo(plan.prediction.totalUsd + cloud.operationsUsd + cloud.durationUsd, 12);
    const sampled = plan.measured.offloads as { requestBytes: number; responseBytes: number }[];
    const perBatch = sampled.reduce((t, s) => t + s.requestBytes + s.responseBytes, 0) / sampled.length;
    expect(cloud.bandwidthSavedBytes).toBe(Math.round(perBatch * 500));
    expect(cloud.bandwidthSavedBytes).toBeGreaterThan(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg class="plan-curve"');
    expect(html.match(/class="series"/g)).toHaveLength(5);
  }, 60_000);

  it('sweeps memory sizes: one prediction per size and the picks, in JSON, text and the report', async () => {
    // Prepare
    const report = join(mkdtempSync(join(tmpdir(), 'fanout-plan-')), 'sweep.html');
    const args = ['plan', 'primes', '--limit', '2000000', '--batches', '200', '--concurrency', '20', '--cores', '2'];
    // Act
    const json = await fanoutCli([...args, '--memory', '3008,512,1769', '--json']);
    const text = await fanoutCli([...args, '--memory', '512,1024,1769,3008,10240', '--report', report]);
    // Assess
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    const sizes = plan.sweep.points.map((p: { memoryMb: number }) => p.memoryMb);
    expect(sizes).toEqual([512, 1769, 3008]);
    for (const pick of ['cheapest', 'fastest', 'balanced']) expect(sizes).toContain(plan.sweep[pick]);
    // the scenario is predicted at the balanced size; above a full vCPU a single-threaded map is no faster
    expect(plan.request.memoryMb).toBe(plan.sweep.balanced);
    const [m512, m1769, m3008] = plan.sweep.points;
    expect(m512.lambdaBatchMs).toBeGreaterThan(m1769.lambdaBatchMs);
    expect(m3008.wallMs).toBe(m1769.wallMs);
    expect(m3008.usd).toBeGreaterThan(m1769.usd);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('memory sizes (200 batches at concurrency 20');
    // 200 batches at concurrency 20: one group of 200 → 4 + 200 + 3 operations
    expect(text.stdout).toMatch(
      /^with the cloud coordinator: \$\S+ \(the above \+ 207 durable operations in 1 group of up to 200 batches /m,
    );
    expect(text.stdout).toMatch(/cheapest \d+ MB .*; fastest \d+ MB .*; balanced \d+ MB/);
    for (const mb of [512, 1024, 1769, 3008, 10240]) expect(text.stdout).toMatch(new RegExp(`^ *${mb} MB `, 'm'));
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<circle class="size"/g)).toHaveLength(5);
    expect(html).toContain('<svg class="plan-sweep"');
  }, 90_000);

  it.each([
    [['plan', 'sleep', '--batches', '0', '--concurrency', '4'], 'Expected `--batches` to be a positive integer'],
    [['plan', 'sleep', '--batches', '20000', '--concurrency', '4'], '`--batches` to be an integer from 1 to 10000'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', 'x'], '`--concurrency` to be a positive integer'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', '4', '--memory', '64'], '`--memory`'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', '4', '--memory', '0,abc'], 'got `0` in `0,abc`'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', '4', '--memory', '512,abc'], 'got `abc` in `512,abc`'],
    [['plan', 'sleep', '--batches', '10', '--concurrency', '4', '--memory', '512,10241'], 'from 128 to 10240'],
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
