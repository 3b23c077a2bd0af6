import { type Command, Option } from 'commander';
import { BACKEND_NAMES } from '../backends/backend.js';
import { parseBackendName } from '../backends/create-backend.js';
import { checkWorkers, DEFAULTS, defaultWorkers, type FanoutOptions, maxWorkers } from '../options.js';
import { parseTaskOptionValue } from './task-flags.js';

/** Registers the run-shaping flags shared by `run` and `compare`. */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .option(
      '--workers <k>',
      `pool size of thread/process backends (and the local side of hybrid), at most 4 × cores (${maxWorkers()})`,
      String(defaultWorkers()),
    )
    .option(
      '--queue-depth <k>',
      `most batches held per thread/process worker, so it never waits a round trip; the depth used follows the measured batch time, 2 for batches of 2 ms and more (default ${DEFAULTS.queueDepth}; 1 = one at a time)`,
    )
    .option('--batch-size <s>', 'items per batch (task-specific; default chosen by the task)')
    .option('--timeout <ms>', 'per-batch timeout in ms (0 = none)', String(DEFAULTS.timeoutMs))
    .option(
      '--retries <n>',
      'retries per batch for retryable faults (crash, timeout, 5xx, network, task error)',
      String(DEFAULTS.retries),
    )
    .option(
      '--throttle-retries <n>',
      'further retries per batch when Lambda throttles it (429)',
      String(DEFAULTS.throttleRetries),
    )
    .addOption(new Option('--no-speculate', 'hybrid: do not re-run stragglers on the idle side'))
    .option('--json', 'print one JSON document on stdout', false)
    .option('--quiet-tasks', "hide what the task's map prints (by default on stderr, each line as `[lane] …`)", false)
    .option('--verbose', 'show stack traces and per-batch details', false);
}

/** Parses a numeric CLI flag (`--workers 2`), naming the flag in the error. */
export function intFlag(name: string, raw: unknown, positive: boolean): number {
  return parseTaskOptionValue(
    { name, kind: positive ? 'positiveInt' : 'nonNegativeInt', description: '' },
    raw,
  ) as number;
}

/** Parses `--workers`: a positive integer, at most {@link maxWorkers}. */
export function workersFlag(raw: unknown): number {
  return checkWorkers('--workers', intFlag('workers', raw, true));
}

/** FanoutOptions from the shared run flags (backend excluded). */
export function runOptionsFrom(flags: Record<string, unknown>): FanoutOptions {
  const opts: FanoutOptions = {
    workers: workersFlag(flags.workers),
    timeoutMs: intFlag('timeout', flags.timeout, false),
    retries: intFlag('retries', flags.retries, false),
    throttleRetries: intFlag('throttle-retries', flags.throttleRetries ?? String(DEFAULTS.throttleRetries), false),
  };
  if (flags.queueDepth !== undefined) opts.queueDepth = intFlag('queue-depth', flags.queueDepth, true);
  if (flags.batchSize !== undefined) opts.batchSize = intFlag('batch-size', flags.batchSize, true);
  if (flags.speculate === false) opts.speculate = false;
  return opts;
}

/** The `--backend` option with its choices. */
export function backendOption(): Option {
  return new Option('--backend <name>', `where batches run: ${BACKEND_NAMES.join('|')}`).default(DEFAULTS.backend);
}

export { parseBackendName };
