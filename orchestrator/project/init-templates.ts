/**
 * The files `fanout init` writes into a user's project. Each is a function of what differs between projects (where
 * fanout is installed, relative to the project), so a test can render and check them without running init.
 */
import { DEFAULT_LAMBDA_RUNTIME } from './lambda-runtimes.js';
import { FANOUT_SERVERLESS_PLUGIN } from './service-dir.js';

/** The example task's id, and its module and helper. */
export const EXAMPLE_TASK = 'example';
export const EXAMPLE_TASK_FILE = 'tasks/example.ts';
export const EXAMPLE_LIB_FILE = 'tasks/digits.ts';
/** The handler shim: serverless-esbuild bundles only handlers inside the project, never from node_modules. */
export const WORKER_SHIM_FILE = 'functions/fanout-worker.ts';
/** The same for the durable coordinator (`--coordinator cloud`). */
export const COORDINATOR_SHIM_FILE = 'functions/fanout-coordinator.ts';

export const fanoutConfigJson = (): string => `${JSON.stringify({ tasks: [`./${EXAMPLE_TASK_FILE}`] }, null, 2)}\n`;

export const exampleTask =
  (): string => `// An example fanout task: the digit sums of 1..limit, split into batches that any backend can map.
// Run it: npx fanout run ./${EXAMPLE_TASK_FILE} --limit 1000000 --backend process
import { defineTask } from 'fanout';
import { digitSum } from './digits.js'; // digits.ts: a relative import, bundled with the task

interface Input {
  limit: number;
}

interface Batch {
  lo: number;
  hi: number;
}

interface Result {
  /** Σ digit sums of 1..limit. */
  sum: number;
  /** How many of those numbers have a digit sum divisible by 7. */
  sevens: number;
}

export default defineTask({
  name: '${EXAMPLE_TASK}',
  description: 'digit sums of 1..limit (fanout init example)',
  options: [{ name: 'limit', kind: 'positiveInt', description: 'numbers 1..limit', default: 100_000 }],
  *split(input: Input, ctx) {
    const size = ctx.batchSize ?? 10_000;
    for (let lo = 1; lo <= input.limit; lo += size) yield { lo, hi: Math.min(input.limit, lo + size - 1) };
  },
  map(batch: Batch): Result {
    const out: Result = { sum: 0, sevens: 0 };
    for (let n = batch.lo; n <= batch.hi; n++) {
      const s = digitSum(n);
      out.sum += s;
      if (s % 7 === 0) out.sevens++;
    }
    return out;
  },
  init: (): Result => ({ sum: 0, sevens: 0 }),
  merge: (acc: Result, p: Result): Result => ({ sum: acc.sum + p.sum, sevens: acc.sevens + p.sevens }),
});
`;

export const exampleLib =
  (): string => `// The example task's helper, imported as './digits.js' (the TypeScript convention for digits.ts).

/** The sum of the decimal digits of n. */
export function digitSum(n: number): number {
  let s = 0;
  for (let m = n; m > 0; m = Math.floor(m / 10)) s += m % 10;
  return s;
}
`;

export const workerShim =
  (): string => `// fanout's Lambda worker, re-exported so that serverless-esbuild bundles it from this project (written by
// \`fanout init\`). It runs a batch of a built-in task or of a task listed in fanout.config.json; nothing to edit here.
export { handler } from 'fanout/worker';
`;

export const coordinatorShim =
  (): string => `// fanout's durable coordinator (\`fanout run … --coordinator cloud\`), re-exported so that serverless-esbuild bundles
// it from this project (written by \`fanout init\`). It holds the same tasks as the worker; nothing to edit here.
export { handler } from 'fanout/coordinator';
`;

/**
 * The project's serverless.yml. `fanoutDir` is fanout's package folder relative to the project
 * (`node_modules/fanout`), where the esbuild plugins that pack the project's tasks live.
 */
export const serverlessYml = (
  fanoutDir: string,
): string => `# fanout's Lambda side for this project (written by \`fanout init\`): one \`worker\` function, fanout's handler,
# carrying fanout's built-in tasks and the tasks listed in fanout.config.json.
#   npx sls invoke local -f worker --data '{"task":"${EXAMPLE_TASK}","batchId":"0","batch":{"lo":1,"hi":100}}'
#   npx sls offline start --lambdaPort 3002      then  npx fanout run ./${EXAMPLE_TASK_FILE} --backend lambda --lambda-endpoint http://127.0.0.1:3002
#   npx sls package                              zip + CloudFormation template in .serverless/, no AWS needed
#   npx sls deploy --stage prod [--param="memory=1769"] [--param="architecture=x86_64"] [--param="runtime=nodejs22.x"]
# The function is named fanout-<stage>-worker, the name fanout calls by default (rename the service and pass
# --function to \`fanout run\` to deploy several).
service: fanout
frameworkVersion: '4'

params:
  default:
    memory: 1024
    timeout: 60
    architecture: arm64
    # nodejs24.x or nodejs22.x; fanout's plugin stops \`sls package\`/\`deploy\` on a runtime Lambda no longer accepts.
    runtime: ${DEFAULT_LAMBDA_RUNTIME}
    logRetentionDays: 14
    # The durable coordinator (--coordinator cloud): how long one run may take, s (up to a year), and how many days
    # Lambda keeps a finished run's history and result (1-365).
    coordinatorExecutionTimeout: 86400
    coordinatorRetentionDays: 14

provider:
  name: aws
  runtime: \${param:runtime}
  stage: \${opt:stage, 'dev'}
  region: \${opt:region, 'us-east-1'}
  architecture: \${param:architecture}
  memorySize: \${param:memory}
  timeout: \${param:timeout}
  logRetentionInDays: \${param:logRetentionDays}
  # The default execution role (its own logs only), plus get/put/delete under the offload bucket's fanout-offload/.
  iam:
    role:
      statements: \${file(./${fanoutDir}/infra/offload-bucket.yml):statements}

package:
  individually: true

functions:
  worker:
    handler: ${WORKER_SHIM_FILE.replace(/\.ts$/, '')}.handler
    description: fanout worker - runs one batch of a built-in or packaged task and returns its partial
    environment:
      # the caller reads it from the function's configuration to find the bucket (or takes --offload-bucket)
      FANOUT_OFFLOAD_BUCKET: \${file(./${fanoutDir}/infra/offload-bucket.yml):bucketName}
  coordinator:
    handler: ${COORDINATOR_SHIM_FILE.replace(/\.ts$/, '')}.handler
    description: fanout coordinator - a durable run that splits, invokes the worker per batch and merges
    timeout: 900
    durableConfig:
      executionTimeout: \${param:coordinatorExecutionTimeout}
      retentionPeriodInDays: \${param:coordinatorRetentionDays}
    # its own role: invoke the worker, checkpoint its executions, its logs (infra/coordinator.yml)
    role: CoordinatorRole
    environment:
      FANOUT_WORKER_FUNCTION: \${self:service}-\${sls:stage}-worker

# The offload bucket: public access blocked, encrypted, leftovers expired after a day (infra/offload-bucket.yml).
resources:
  - \${file(./${fanoutDir}/infra/offload-bucket.yml):resources}
  - \${file(./${fanoutDir}/infra/coordinator.yml):resources}

plugins:
  - ${FANOUT_SERVERLESS_PLUGIN}
  - serverless-esbuild
  - serverless-offline

custom:
  esbuild:
    bundle: true
    minify: true
    sourcemap: false
    format: cjs
    outputFileExtension: .cjs
    platform: node
    packager: npm
    # fanout's fetch stage runs on the caller only; undici stays out of the function.
    exclude:
      - undici
    # Packs the tasks of fanout.config.json into the worker, each bundled as \`fanout run\` bundles it (same version).
    plugins: ./${fanoutDir}/infra/esbuild-plugins.cjs
    # fanout's emulator builds in a folder of its own (FANOUT_ESBUILD_DIR); \`sls\` by hand uses .esbuild/.
    outputWorkFolder: \${env:FANOUT_ESBUILD_DIR, '.esbuild'}
    watch:
      pattern: []
  serverless-offline:
    host: 127.0.0.1
    noPrependStageInUrl: true
`;

/** What the project's .gitignore needs (build output of sls and of fanout's task bundles). */
export const GITIGNORE_LINES = ['node_modules/', '.esbuild/', '.serverless/', 'report.html'] as const;

/**
 * serverless-offline declares a peer dependency on the Serverless Framework v4, whose npm package is a stub that
 * downloads a binary and wants a login; with this line npm leaves it out, and osls provides `sls`.
 */
export const NPMRC_LINES = ['legacy-peer-deps=true'] as const;

/** A tsconfig for task files bundled by esbuild: module syntax kept, packages resolved through their `exports`. */
export const tsconfigJson = (): string =>
  `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'preserve',
        moduleResolution: 'bundler',
        lib: ['ES2023'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      include: ['tasks', 'functions'],
    },
    null,
    2,
  )}\n`;
