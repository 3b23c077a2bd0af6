import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CliRun, fanoutCli } from '../helpers/fanout-cli.js';

const fixture = fileURLToPath(new URL('../fixtures/backend-dependent-task.js', import.meta.url));

/** The real binary with dummy AWS credentials: Lambda only ever goes to the local emulator here. */
function compareCli(args: string[], timeout = 90_000): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
  };
  delete env.FANOUT_LAMBDA_ENDPOINT;
  return fanoutCli(args, { timeout, env });
}

describe('fanout compare (CLI)', () => {
  it('--json gives one row per backend with result and cost, and --report draws one bar per batch', async () => {
    // Prepare
    const report = join(mkdtempSync(join(tmpdir(), 'fanout-compare-')), 'out.html');

    // Act
    const r = await compareCli([
      'compare',
      'primes',
      '--limit',
      '1000000',
      '--batch-size',
      '100000',
      '--backends',
      'inline,thread,process',
      '--workers',
      '2',
      '--runs',
      '2',
      '--json',
      '--report',
      report,
    ]);

    // Assess
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ task: 'primes', input: { limit: 1_000_000 }, baseline: 'inline', runs: 2, report });
    expect(doc.rows.map((row: { backend: string }) => row.backend)).toEqual(['inline', 'thread', 'process']);
    for (const row of doc.rows) {
      expect(row.result).toEqual({ count: 78498 });
      expect(row.runsWallMs).toHaveLength(2);
      expect(row.batchesBySide).toEqual({ [row.backend]: 10 });
      expect(row.cost.local.cpuSeconds).toBeGreaterThanOrEqual(0);
      expect(typeof row.cost.totalUsd).toBe('number');
      expect(typeof row.speedup).toBe('number');
    }
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<rect class="bar [^"]*" data-batch=/g)).toHaveLength(30);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('prints the table with every column and the advice', async () => {
    // Act
    const r = await compareCli([
      'compare',
      'primes',
      '--limit',
      '2000000',
      '--backends',
      'inline,process',
      '--workers',
      '2',
    ]);

    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend +wall +speedup +CPU +CPU\/wall +batches per side +retries +est\. cost$/m);
    expect(r.stdout).toMatch(/^inline +[\d.]+ s +1\.00× \(base\) /m);
    expect(r.stdout).toMatch(/^process +[\d.]+ s +[\d.]+× /m);
    expect(r.stdout).toMatch(/result \{"count":148933\} on every backend/);
    expect(r.stdout).toMatch(/^ {2}- cpu stage: /m);
  });

  it('fails loudly, exit 1, when backends disagree', async () => {
    // Act: the fixture task counts 1 per batch on the main thread and 2 per batch in a worker thread
    const r = await compareCli(['compare', fixture, '--backends', 'inline,thread', '--workers', '2']);

    // Assess
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'fanout: RESULTS DIFFER: backend `thread` (warm-up run 1) returned {"n":8}, but `inline` returned {"n":4} [EMISMATCH]',
    );
  });

  it('names a bad --backends entry, exit 2', async () => {
    const r = await compareCli(['compare', 'primes', '--backends', 'inline,gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Unknown backend `gpu`/);
  });

  it('compares all five backends, starting and stopping the emulator itself', async () => {
    // Act: π(2·10^7) = 1270607
    const r = await compareCli(
      [
        'compare',
        'primes',
        '--limit',
        '20000000',
        '--backends',
        'inline,thread,process,lambda,hybrid',
        '--workers',
        '2',
        '--concurrency',
        '8',
        '--lambda-endpoint',
        'auto',
        '--json',
      ],
      180_000,
    );

    // Assess
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.rows.map((row: { backend: string }) => row.backend)).toEqual([
      'inline',
      'thread',
      'process',
      'lambda',
      'hybrid',
    ]);
    for (const row of doc.rows) expect(row.result).toEqual({ count: 1270607 });
    const lambda = doc.rows[3];
    expect(lambda.cost.lambda.requests).toBeGreaterThanOrEqual(lambda.batchesBySide.lambda);
    expect(lambda.cost.lambda.totalUsd).toBeGreaterThan(0);
    const hybrid = doc.rows[4];
    expect(Object.keys(hybrid.batchesBySide).every((side) => side === 'process' || side === 'lambda')).toBe(true);
    expect(doc.notes.join(' ')).toMatch(/emulator/);
    expect(r.stderr).toMatch(/emulator ready at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
  }, 200_000);
});
