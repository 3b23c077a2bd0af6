/**
 * Lambda's published Node.js runtime dates, and the check `sls package`/`sls deploy` run before building the worker
 * function (infra/serverless-plugin.cjs). Read on 2026-12-05 from the AWS Lambda developer guide's "Lambda runtimes"
 * page (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html) and its runtime deprecation policy; nodejs20.x's
 * update block is given there as March 2027 (the first day is assumed). Check the page again when a date nears.
 */

/** One managed Node.js runtime: when Lambda deprecates it, and when it stops creating and then updating functions. */
export interface LambdaRuntimeDates {
  deprecated: string;
  blockCreate: string;
  blockUpdate: string;
}

/** When this table was read, shown in every message that quotes it. */
export const RUNTIME_TABLE_READ = '2026-12-05';

/** The runtime the worker function uses unless told otherwise, and the other one fanout is tested with. */
export const DEFAULT_LAMBDA_RUNTIME = 'nodejs24.x';
export const SUPPORTED_LAMBDA_RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const;

/** ISO dates (UTC). */
export const NODE_RUNTIMES: Readonly<Record<string, LambdaRuntimeDates>> = {
  'nodejs24.x': { deprecated: '2028-04-30', blockCreate: '2028-06-01', blockUpdate: '2028-07-01' },
  'nodejs22.x': { deprecated: '2027-04-30', blockCreate: '2027-06-01', blockUpdate: '2027-07-01' },
  'nodejs20.x': { deprecated: '2026-04-30', blockCreate: '2026-08-31', blockUpdate: '2027-03-01' },
};

/** How long before its deprecation date a runtime starts to warn (AWS sends its first notice 180 days ahead). */
const WARN_DAYS_BEFORE_DEPRECATION = 180;

/** What the check found: nothing to say, a warning to print, or a refusal (one line each). */
export type RuntimeVerdict = { kind: 'ok' } | { kind: 'warn'; message: string } | { kind: 'refuse'; message: string };

const FIX = `set the runtime to ${SUPPORTED_LAMBDA_RUNTIMES.join(' or ')} in serverless.yml (in fanout's: params.default.runtime, or --param="runtime=nodejs22.x")`;

/** The verdict on deploying a function with `runtime` on `today` (a `YYYY-MM-DD` string or a Date). */
export function checkLambdaRuntime(runtime: string, today: Date | string = new Date()): RuntimeVerdict {
  const day = typeof today === 'string' ? today : today.toISOString().slice(0, 10);
  const dates = NODE_RUNTIMES[runtime];
  const read = `(Lambda's runtime dates as read on ${RUNTIME_TABLE_READ})`;
  if (!dates) {
    const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
    if (major === undefined) {
      return {
        kind: 'refuse',
        message: `runtime ${runtime} is not a Node.js runtime; fanout's worker function needs one: ${FIX}`,
      };
    }
    const oldest = NODE_RUNTIMES['nodejs20.x'] as LambdaRuntimeDates;
    if (Number(major) < 20) {
      return {
        kind: 'refuse',
        message: `runtime ${runtime} is older than nodejs20.x, on which Lambda has refused new functions since ${oldest.blockCreate} ${read}; ${FIX}`,
      };
    }
    return {
      kind: 'warn',
      message: `runtime ${runtime} is not in fanout's table ${read}; fanout is tested on ${SUPPORTED_LAMBDA_RUNTIMES.join(' and ')}`,
    };
  }
  if (day >= dates.blockCreate) {
    const updates =
      day >= dates.blockUpdate
        ? `and updating them since ${dates.blockUpdate}`
        : `and will refuse updates from ${dates.blockUpdate}`;
    return {
      kind: 'refuse',
      message: `runtime ${runtime}: Lambda has refused to create functions on it since ${dates.blockCreate} ${updates} ${read}; ${FIX}`,
    };
  }
  if (day >= dates.deprecated) {
    return {
      kind: 'warn',
      message: `runtime ${runtime} was deprecated on ${dates.deprecated}; Lambda refuses new functions on it from ${dates.blockCreate} ${read}; move to ${DEFAULT_LAMBDA_RUNTIME}`,
    };
  }
  if (daysBetween(day, dates.deprecated) <= WARN_DAYS_BEFORE_DEPRECATION) {
    return {
      kind: 'warn',
      message: `runtime ${runtime} is deprecated on ${dates.deprecated} and refuses new functions from ${dates.blockCreate} ${read}; plan the move to ${DEFAULT_LAMBDA_RUNTIME}`,
    };
  }
  return { kind: 'ok' };
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}
