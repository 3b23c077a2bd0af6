import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addLambdaFlags, lambdaOptionsFrom } from '../../../../orchestrator/cli/lambda-flags.js';
import { isFanoutError } from '../../../../orchestrator/errors.js';

function parse(args: string[]): Record<string, unknown> {
  const cmd = addLambdaFlags(new Command('run').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

describe('lambda CLI flags', () => {
  beforeEach(() => {
    vi.stubEnv('FANOUT_LAMBDA_ENDPOINT', undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('builds LambdaOptions from the flags', () => {
    // Act
    const opts = lambdaOptionsFrom(
      parse([
        '--lambda-endpoint',
        'http://127.0.0.1:3002/',
        '--concurrency',
        '20',
        '--memory',
        '2048',
        '--stage',
        'prod',
      ]),
      () => true,
    );
    // Assess
    expect(opts).toEqual({ endpoint: 'http://127.0.0.1:3002', concurrency: 20, memoryMb: 2048, stage: 'prod' });
  });

  it('uses real AWS when no endpoint is given and credentials are configured, else the auto emulator', () => {
    // Act
    const withCreds = lambdaOptionsFrom(parse([]), () => true);
    const without = lambdaOptionsFrom(parse([]), () => false);
    // Assess
    expect(withCreds.endpoint).toBeUndefined();
    expect(without.endpoint).toBe('auto');
    expect(without.concurrency).toBeUndefined(); // the backend then caps the emulator at 32
  });

  it.each([
    [['--concurrency', '0'], 'Expected `--concurrency` to be an integer from 1 to 10000, got `0`'],
    [['--memory', '64'], 'Expected `--memory` to be an integer from 128 to 10240, got `64`'],
    [['--lambda-endpoint', 'ftp://x'], 'Expected `--lambda-endpoint` to be an http(s) URL or `auto`, got `ftp://x`'],
    [['--region', 'moon'], 'Expected `--region` to be an AWS region like us-east-1, got `moon`'],
  ])('rejects %j with one clear EINPUT line', (args, message) => {
    // Act
    const run = (): unknown => lambdaOptionsFrom(parse(args), () => true);
    // Assess
    let caught: unknown;
    try {
      run();
    } catch (err) {
      caught = err;
    }
    expect(isFanoutError(caught, 'EINPUT')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });
});
