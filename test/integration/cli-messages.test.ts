import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fanoutCli } from '../helpers/fanout-cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('CLI messages through the real binary', () => {
  it('--version prints package.json’s version', async () => {
    const r = await fanoutCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it.each([
    [['run', 'primes', '--bogus'], "fanout: unknown option '--bogus' (add --help for usage)"],
    [['frobnicate'], "fanout: unknown command 'frobnicate' (add --help for usage)"],
    [['run'], "fanout: missing required argument 'task' (add --help for usage)"],
    [['compare', 'primes', '--runs'], "fanout: option '--runs <r>' argument missing (add --help for usage)"],
  ])('commander errors are one `fanout:` line, exit 2: %j', async (args, line) => {
    const r = await fanoutCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
  });

  it('says "1 batch" and "1 retry"-style singulars in the run summary', async () => {
    const r = await fanoutCli(['run', 'primes', '--limit', '100', '--backend', 'inline']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wall {6}\d+ ms · 1 batch · 0 retries$/m);
  });

  it('--verbose prints one line per finished attempt, as --help promises', async () => {
    // Act: batch 1 fails on both of its attempts; 0 and 2 succeed
    const help = await fanoutCli(['run', '--help']);
    const r = await fanoutCli([
      ...['run', 'fault', '--batches', '3', '--ms', '1', '--fail-on', '1', '--retries', '1'],
      ...['--backend', 'thread', '--workers', '2', '--verbose'],
    ]);
    // Assess
    expect(help.stdout).toMatch(/--verbose\s+show stack traces and per-batch details/);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('  batch '));
    const attempt =
      /^ {2}batch (\d) · thread-\d · attempt (\d) · \d+ ms · (ok|error ETASK: injected failure in batch 1)$/;
    expect(lines.every((l) => attempt.test(l))).toBe(true);
    const seen = lines.map((l) => {
      const m = attempt.exec(l) as RegExpExecArray;
      return `${m[1]}/${m[2]}/${m[3]?.slice(0, 5)}`;
    });
    expect(seen.filter((s) => s.startsWith('1/')).sort()).toEqual(['1/1/error', '1/2/error']);
    // 0 and 2 may be cancelled when the run fails; each finished at most once, and never failed
    expect(seen.filter((s) => !s.startsWith('1/')).every((s) => /^[02]\/1\/ok$/.test(s))).toBe(true);
  });

  it('without --verbose there are no per-attempt lines', async () => {
    const r = await fanoutCli(['run', 'sleep', '--batches', '3', '--ms', '1', '--backend', 'inline']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
