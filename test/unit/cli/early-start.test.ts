import { describe, expect, it } from 'vitest';
import { runBackendOf } from '../../../orchestrator/cli/early-start.js';
import { DEFAULTS } from '../../../orchestrator/options.js';

describe('runBackendOf: the pool a `fanout run` command line will start, read before the CLI loads', () => {
  it.each([
    [['run', 'primes', '--backend', 'thread'], 'thread'],
    [['run', 'primes', '--backend=process', '--json'], 'process'],
    [['run', './task.ts', '--limit', '5'], DEFAULTS.backend],
    [['run', 'primes', '--backend', 'lambda'], 'lambda'],
  ])('%j → %s', (argv, backend) => {
    expect(runBackendOf(argv)).toBe(backend);
  });

  it.each([
    [['compare', 'primes', '--backends', 'thread,process']],
    [['run', 'primes', '--help']],
    [['run', 'primes', '--coordinator', 'cloud']],
    [['--version']],
    [[]],
  ])('%j → none', (argv) => {
    expect(runBackendOf(argv)).toBeUndefined();
  });
});
