import { type Command, Option } from 'commander';
import type { LambdaOptions } from '../options.js';

/** Registers the Lambda flags (lambda and hybrid backends) on a command. */
export function addLambdaFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--lambda-endpoint <url>', 'Lambda Invoke API endpoint').env('FANOUT_LAMBDA_ENDPOINT'))
    .option('--function <name>', 'Lambda function name or ARN (default: fanout-<stage>-worker)')
    .option('--region <region>', 'AWS region (default: AWS_REGION or us-east-1)')
    .option('--stage <stage>', 'deployment stage for the default function name', 'dev')
    .option('--concurrency <n>', 'Lambda invocations in flight at most', '100')
    .option('--memory <mb>', 'function memory in MB, for the cost estimate');
}

/** Builds {@link LambdaOptions} from parsed flags. */
export function lambdaOptionsFrom(opts: Record<string, unknown>): LambdaOptions {
  const out: LambdaOptions = {};
  if (typeof opts.lambdaEndpoint === 'string') out.endpoint = opts.lambdaEndpoint;
  if (typeof opts.function === 'string') out.functionName = opts.function;
  if (typeof opts.region === 'string') out.region = opts.region;
  if (typeof opts.stage === 'string') out.stage = opts.stage;
  if (typeof opts.concurrency === 'string') out.concurrency = Number(opts.concurrency);
  if (typeof opts.memory === 'string') out.memoryMb = Number(opts.memory);
  return out;
}
