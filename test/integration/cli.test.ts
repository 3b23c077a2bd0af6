import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fanoutCli } from '../helpers/fanout-cli.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('fanout CLI', () => {
  it.each(['inline', 'thread', 'process'])(
    'run primes --json on %s prints the documented document',
    async (backend) => {
      const r = await fanoutCli([
        'run',
        'primes',
        '--limit',
        '10000000',
        '--backend',
        backend,
        '--workers',
        '2',
        '--json',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ task: 'primes', backend, result: { count: 664579 } });
      expect(doc.stats.wallMs).toBeGreaterThan(0);
      expect(doc.stats.retries).toBe(0);
      expect(doc.stats.batches).toBeGreaterThan(1);
      expect(doc.stats.byBackend[backend].batches).toBe(doc.stats.batches);
      expect(doc.stats.records).toBeUndefined();
    },
  );

  it('prints a human summary with result, wall time, batches and per-worker share', async () => {
    const r = await fanoutCli(['run', 'primes', '--limit', '1000000', '--backend', 'process', '--workers', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('{"count":78498}');
    expect(r.stdout).toMatch(/wall\s+\d+(\.\d+)? m?s · \d+ batches · 0 retries/);
    // the pool takes batches from whichever child is ready first, so which lane ran them depends on the machine
    expect(r.stdout).toMatch(/workers\s+process-[01] \d+ \(\d+%\)( · process-[01] \d+ \(\d+%\))?\n/);
  });

  it('compares a user task module given --input on several backends', async () => {
    const r = await fanoutCli([
      'compare',
      `${fixtures}cubes-task.js`,
      '--input',
      '{"n":1000}',
      '--backends',
      'inline,thread,process',
      '--workers',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.rows.map((row: { backend: string }) => row.backend)).toEqual(['inline', 'thread', 'process']);
    for (const row of doc.rows) expect(row.result).toEqual({ sum: ((1000 * 999) / 2) ** 2 });
  });

  it('runs a user task module on the process backend', async () => {
    const r = await fanoutCli([
      'run',
      `${fixtures}squares-task.js`,
      '--input',
      '{"n":1000}',
      '--backend',
      'process',
      '--workers',
      '2',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.task).toBe('squares');
    expect(doc.stats.byBackend.process.batches).toBe(10);
    expect(doc.result.sum).toBe((1000 * 999 * 1999) / 6);
  });

  it.each([
    [['run', 'primes', '--limit', '-1'], /`--limit`.*non-negative integer.*`-1`/],
    [['run', 'primes', '--limit', 'abc'], /`--limit`.*`abc`/],
    [['run', 'primes', '--limit', '10', '--backend', 'nope'], /Unknown backend `nope`/],
    [['run', 'no-such-task'], /Unknown task `no-such-task`/],
    [['run', 'primes', '--limit', '10', '--workers', '0'], /`--workers`.*positive integer.*`0`/],
    [['run', 'primes', '--limit', '10', '--batch-size', '0'], /`--batch-size`/],
    [['run', './does-not-exist.js'], /Task module not found/],
    [['run', `${fixtures}not-a-task.js`], /does not export a task/],
    [['run', 'primes', '--frobnicate'], /unknown option '--frobnicate'/],
    [['run', 'primes', '--input', '{oops'], /`--input`.*JSON/],
  ])('bad input %j → one line naming the problem, exit 2', async (args, pattern) => {
    const r = await fanoutCli(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(pattern);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('--verbose adds the stack trace', async () => {
    const r = await fanoutCli(['run', 'primes', '--limit', 'abc', '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\s+at /m);
  });

  it('a failing task exits 1 with one typed error line', async () => {
    const r = await fanoutCli([
      'run',
      'fault',
      '--batches',
      '4',
      '--fail-on',
      '2',
      '--backend',
      'inline',
      '--retries',
      '0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^fanout: batch 2 failed after 1 attempt: injected failure in batch 2 \[ETASK\]( \(\d batch(es)? had finished; partial result: \{.*\}\))?$/,
    );
  });

  it('--help lists every command; run --help lists every option with defaults and the tasks', async () => {
    const top = await fanoutCli(['--help']);
    expect(top.stdout).toMatch(/run \[options\] <task>/);
    const run = await fanoutCli(['run', '--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--backend',
      '--workers',
      '--batch-size',
      '--json',
      '--verbose',
      '--limit',
      '--ms',
      '--rounds',
      '--lambda-endpoint',
      '--concurrency',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toMatch(/default: "process"/);
    expect(run.stdout).toMatch(/primes\s+count primes/);
    const primesHelp = await fanoutCli(['run', 'primes', '--help']);
    expect(primesHelp.stdout).toMatch(/--limit <n>.*default: 10000000/);
  });
});
