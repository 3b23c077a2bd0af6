import { type Command, Option } from 'commander';
import { hasAwsCredentials } from '../backends/lambda/aws-credentials.js';
import { AUTO_ENDPOINT, checkLambdaEndpoint } from '../backends/lambda/lambda-endpoint.js';
import { inputError } from '../errors.js';
import { OFFLOAD_OVER_BYTES } from '../far-side/payload-limit.js';
import { checkStage, DEFAULTS, type LambdaOptions } from '../options.js';
import { redactUrl } from '../redact-url.js';

/**
 * Registers the Lambda flags (lambda and hybrid backends) on a command. `--concurrency` has no commander default on
 * purpose: unset, it means 100 against AWS or a given endpoint, and 32 for an auto-started emulator.
 */
export function addLambdaFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--lambda-endpoint <url>',
        'Lambda Invoke API endpoint, or `auto` to start serverless-offline for the run (default: AWS when credentials are configured, else auto)',
      ).env('FANOUT_LAMBDA_ENDPOINT'),
    )
    .option('--function <name>', 'Lambda function name or ARN (default: fanout-<stage>-worker)')
    .option('--region <region>', `AWS region (default: AWS_REGION or ${DEFAULTS.region})`)
    .option('--stage <stage>', 'deployment stage for the default function name', DEFAULTS.stage)
    .option(
      '--concurrency <n>',
      `Lambda invocations in flight at most (default: ${DEFAULTS.lambdaConcurrency}; ${DEFAULTS.emulatorConcurrency} for the auto emulator)`,
    )
    .option('--memory <mb>', 'function memory in MB, for the cost estimate (default: 1024, as in serverless.yml)')
    .option(
      '--offload-bucket <name>',
      "S3 bucket for events and replies too large for an invoke (default: the emulator's local S3 server, or the deployed function's bucket)",
    )
    .addOption(
      new Option('--s3-endpoint <url>', "S3 endpoint of --offload-bucket (default: AWS's)").env('AWS_ENDPOINT_URL_S3'),
    )
    .option(
      '--offload-bytes <n>',
      `send events and replies larger than this through S3 (default and most: ${OFFLOAD_OVER_BYTES}, what fits in Lambda's 6 MB)`,
    );
}

function intIn(name: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw inputError(`Expected \`--${name}\` to be an integer from ${min} to ${max}, got \`${raw}\``);
  }
  return n;
}

/**
 * Builds and validates {@link LambdaOptions} from parsed flags. The rule for the endpoint: a given URL (flag or
 * FANOUT_LAMBDA_ENDPOINT) is used as is; `auto` starts the emulator; none given means real AWS when AWS credentials are
 * configured (env, profile, ~/.aws files), and the emulator otherwise, so `npm start` on a fresh machine just works.
 */
export function lambdaOptionsFrom(opts: Record<string, unknown>, hasCredentials = hasAwsCredentials): LambdaOptions {
  const out: LambdaOptions = {};
  const endpoint = typeof opts.lambdaEndpoint === 'string' ? opts.lambdaEndpoint.trim() : '';
  if (endpoint !== '') {
    checkLambdaEndpoint(endpoint, '--lambda-endpoint');
    out.endpoint = endpoint.replace(/\/+$/, '');
  } else if (!hasCredentials()) out.endpoint = AUTO_ENDPOINT;
  if (typeof opts.function === 'string') {
    if (!/^[A-Za-z0-9_:.-]{1,170}$/.test(opts.function)) {
      throw inputError(`Expected \`--function\` to be a Lambda function name or ARN, got \`${opts.function}\``);
    }
    out.functionName = opts.function;
  }
  if (typeof opts.region === 'string') {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(opts.region)) {
      throw inputError(`Expected \`--region\` to be an AWS region like us-east-1, got \`${opts.region}\``);
    }
    out.region = opts.region;
  }
  if (typeof opts.stage === 'string') out.stage = checkStage('--stage', opts.stage);
  if (typeof opts.concurrency === 'string') out.concurrency = intIn('concurrency', opts.concurrency, 1, 10_000);
  if (typeof opts.memory === 'string') out.memoryMb = intIn('memory', opts.memory, 128, 10_240);
  if (typeof opts.offloadBucket === 'string') {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(opts.offloadBucket)) {
      throw inputError(`Expected \`--offload-bucket\` to be an S3 bucket name, got \`${opts.offloadBucket}\``);
    }
    out.offloadBucket = opts.offloadBucket;
  }
  const s3Endpoint = typeof opts.s3Endpoint === 'string' ? opts.s3Endpoint.trim() : '';
  if (s3Endpoint !== '') {
    if (!/^https?:\/\/[^\s/]+/.test(s3Endpoint)) {
      throw inputError(`Expected \`--s3-endpoint\` to be an http(s) URL, got \`${redactUrl(s3Endpoint)}\``);
    }
    out.s3Endpoint = s3Endpoint.replace(/\/+$/, '');
  }
  if (typeof opts.offloadBytes === 'string') {
    out.offloadBytes = intIn('offload-bytes', opts.offloadBytes, 1, OFFLOAD_OVER_BYTES);
  }
  return out;
}
