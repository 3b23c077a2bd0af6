import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, sls } from '../helpers/serverless-cli.js';

const buildDir = join('.esbuild', `invoke-test-${process.pid}`);

/** The JSON document `sls invoke local` prints after its log lines. */
function replyOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, unknown>;
}

describe('sls invoke local -f worker', () => {
  afterAll(() => rmSync(join(root, buildDir), { recursive: true, force: true }));

  it('returns the right partial for a primes batch', async () => {
    // Prepare
    const event = { task: 'primes', batchId: 'p-7', batch: { lo: 1_000_000, hi: 2_000_000 } };
    // Act
    const { stdout } = await sls(['invoke', 'local', '-f', 'worker', '--data', JSON.stringify(event)], buildDir);
    // Assess: π(2·10^6) − π(10^6) = 148933 − 78498
    expect(replyOf(stdout)).toMatchObject({ batchId: 'p-7', partial: { count: 70435 }, coldStart: true });
  });

  it('reports an unknown task as a clear function error, not a crash', async () => {
    // Act
    const res = await sls(
      ['invoke', 'local', '-f', 'worker', '--data', JSON.stringify({ task: 'nope', batchId: '1', batch: {} })],
      buildDir,
    ).catch((e: { stdout: string; stderr: string; code: number }) => e);
    // Assess
    expect(`${res.stdout}${res.stderr}`).toContain(
      'the worker function has no task `nope` (it has primes, sleep, hash, fault, wordcount)',
    );
  });
});
