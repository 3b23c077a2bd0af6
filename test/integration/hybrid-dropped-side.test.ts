import { describe, expect, it } from 'vitest';
import { fanoutCli } from '../helpers/fanout-cli.js';

const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

describe('hybrid with an unreachable Lambda endpoint', () => {
  it('says the Lambda side was dropped (stderr + stats.droppedSides), after two probes, not a retry per slot', async () => {
    // Act: nothing listens on port 1; the secret in the endpoint must not show anywhere
    const r = await fanoutCli(
      [
        'run',
        'primes',
        '--limit',
        '300000',
        '--batch-size',
        '10000',
        '--backend',
        'hybrid',
        // one worker leaves a core idle on any machine of 2 cores or more: the Lambda side gets CPU-bound batches too
        // (it runs on loopback, so on this machine's cores, and gets only the cores the pool leaves)
        '--workers',
        '1',
        '--lambda-endpoint',
        'http://me:hunter2@127.0.0.1:1',
        '--json',
        '--records',
      ],
      { env },
    );
    // Assess
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      result: { count: number };
      stats: {
        retries: number;
        droppedSides: { side: string; reason: string }[];
        records: { side: string; status: string }[];
      };
    };
    expect(doc.result.count).toBe(25997);
    expect(doc.stats.droppedSides).toEqual([
      {
        side: 'lambda',
        reason: expect.stringMatching(/^2 side faults in a row, the last: \[ENETWORK\] .*me:\*\*\*@127\.0\.0\.1:1/),
      },
    ]);
    const lambdaAttempts = doc.stats.records.filter((x) => x.side === 'lambda');
    expect(lambdaAttempts.map((x) => x.status)).toEqual(['error', 'error']);
    expect(doc.stats.retries).toBe(2);
    expect(r.stderr).toMatch(
      /^fanout: warning: the lambda side was dropped and the run finished without it: 2 side faults/m,
    );
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });
});
