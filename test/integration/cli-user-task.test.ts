import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fanoutCli, fixture } from '../helpers/fanout-cli.js';

/**
 * The real binary with user task modules that misbehave, and with bad `compare --report` paths: stdout stays one JSON
 * document, errors are one typed line, exit codes as documented. Needs `npm run build` (the CLI runs dist/).
 */

const scratch = mkdtempSync(join(tmpdir(), 'fanout-cli-user-task-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('fanout CLI with user task modules', () => {
  it.each(['inline', 'thread', 'process'])(
    '--json stays one document when the task writes to stdout everywhere (%s)',
    async (backend) => {
      // Act
      const r = await fanoutCli(['run', fixture('noisy-task.js'), '--backend', backend, '--workers', '2', '--json']);
      // Assess: the task's output went to stderr; stdout parses as the run's document and nothing else
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ task: 'noisy-task', backend, result: 10 });
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('noisy: imported');
      expect(r.stderr).toContain('noisy: raw write 3');
      expect(r.stderr).toContain('noisy: merge');
    },
  );

  it('a map that never settles on inline fails with one ETIMEOUT line and exit 1 (not a silent exit 13)', async () => {
    // Act
    const r = await fanoutCli([
      'run',
      fixture('hang-task.js'),
      '--backend',
      'inline',
      '--timeout',
      '300',
      '--retries',
      '0',
      '--json',
    ]);
    // Assess
    expect(r.code).toBe(1);
    // --json: one document on stdout even on failure, the one line on stderr
    expect(JSON.parse(r.stdout)).toEqual({
      task: 'hang-task',
      backend: 'inline',
      error: { code: 'ETIMEOUT', message: 'batch 0 timed out after 300 ms' },
      partial: { result: 0, batchesMerged: 0 },
    });
    expect(r.stderr.trim()).toBe('fanout: batch 0 timed out after 300 ms [ETIMEOUT]');
  });

  it('a task calling process.exit(0) on the main thread does not pass for a success', async () => {
    // Act
    const r = await fanoutCli([
      'run',
      fixture('misbehaving-task.js'),
      '--input',
      '{"mode":"exit"}',
      '--backend',
      'inline',
      '--json',
    ]);
    // Assess: before, exit 0 with an empty stdout
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('fanout: the task called process.exit() before the run finished [ETASK]');
  });

  it.each([
    ['a missing directory', join(scratch, 'missing', 'report.html'), 'does not exist'],
    ['a directory', scratch, 'a directory'],
  ])('compare --report into %s is bad input, named before anything runs', async (_what, path, why) => {
    // Act
    const r = await fanoutCli(['compare', 'primes', '--limit', '1000', '--backends', 'inline', '--report', path]);
    // Assess: exit 2 with one line, and no backend ran (a long comparison is not thrown away at the end)
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `fanout: Expected \`--report\` to be a writable file path, got \`${path}\` (${why === 'does not exist' ? `${join(scratch, 'missing')} does not exist` : why})`,
    );
    expect(r.stdout).toBe('');
  });

  it('compare --report into a writable path still writes the report', async () => {
    // Prepare
    const path = join(scratch, 'ok.html');
    // Act
    const r = await fanoutCli([
      'compare',
      'primes',
      '--limit',
      '1000',
      '--backends',
      'inline',
      '--report',
      path,
      '--json',
    ]);
    // Assess
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).report).toBe(path);
    expect(existsSync(path)).toBe(true);
  });
});
