import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { checkLambdaEndpoint } from '../backends/lambda/lambda-endpoint.js';
import { coordinatorCost } from '../coordinator/coordinator-cost.js';
import { openEmulator } from '../emulator/emulator-owner.js';
import { inputError } from '../errors.js';
import { resolveTask } from '../fanout.js';
import { offloadExtra } from '../offload/offload-cost.js';
import { LAMBDA_LIMITS } from '../plan/lambda-limits.js';
import { parseMemoryList } from '../plan/memory-sweep.js';
import { buildPlan, type PlanRequest } from '../plan/plan.js';
import { planHtml } from '../plan/plan-report.js';
import { planText } from '../plan/plan-text.js';
import { type MeasuredSample, sampleTask } from '../plan/task-sample.js';
import { resolveLambdaPricing } from '../report/lambda-pricing.js';
import { builtinTasks } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/task.js';
import { summaryOf } from './commands.js';
import { intFlag } from './common-flags.js';
import { interruptSignal } from './interrupt.js';
import { writeStdout } from './json-stdout.js';
import { addInputFlag, addTaskFlagsFor, jsonInput, taskInputFrom } from './task-flags.js';

function intInRange(name: string, raw: unknown, min: number, max: number): number {
  const n = intFlag(name, raw, true);
  if (n < min || n > max)
    throw inputError(`Expected \`--${name}\` to be an integer from ${min} to ${max}, got \`${n}\``);
  return n;
}

/** The task's options minus `batches`: plan's own `--batches` is the fan-out size, and becomes the task's too. */
function withoutBatchesOption(task: AnyTask): AnyTask {
  return { ...task, options: (task.options ?? []).filter((o) => o.name !== 'batches') } as AnyTask;
}

/**
 * `fanout plan <task> [task options] --batches N --concurrency C`: samples a few of the task's batches (locally, and on
 * the emulator with `--emulator` or `--lambda-endpoint`) and predicts wall time and cost of an N-way Lambda fan-out
 * under Lambda's limits, next to local processes.
 */
export function planCommand(task: AnyTask | undefined): Command {
  const cmd = new Command('plan')
    .description(summaryOf('plan'))
    .argument('<task>', `a built-in task (${[...builtinTasks.keys()].join(', ')}) or a path to a task module`)
    .requiredOption('--batches <n>', `batches in the fan-out to predict (1–${LAMBDA_LIMITS.maxBatches})`)
    .requiredOption('--concurrency <c>', 'Lambda invocations in flight at most')
    .option('--account-concurrency <n>', 'account concurrency quota', String(LAMBDA_LIMITS.accountConcurrency))
    .option(
      '--memory <mb>',
      'function memory in MB, or a comma-separated list to compare sizes (default: serverless.yml, else 1024)',
    )
    .addOption(
      new Option('--architecture <arch>', 'function architecture (default: serverless.yml)').choices([
        'arm64',
        'x86_64',
      ]),
    )
    .option('--cores <k>', 'local cores for the local-processes line', String(cpus().length))
    .option('--sample <k>', 'batches to time in the sample (after one warm-up)', '4')
    .option('--batch-size <s>', 'items per batch (task-specific)')
    .option('--emulator', 'also sample on serverless-offline (started and stopped here; adds ~5 s)', false)
    .option('--lambda-endpoint <url>', 'also sample on this running Invoke API (e.g. an emulator)')
    .addOption(
      new Option('--target <where>', 'predict for real Lambda, or for the emulator on this machine')
        .choices(['aws', 'emulator'])
        .default('aws'),
    )
    .option('--report <file>', 'write an HTML report with the grid and the curve')
    .option('--json', 'print one JSON document on stdout', false)
    .option('--verbose', 'show stack traces', false);
  addInputFlag(cmd);
  const shown = task ? withoutBatchesOption(task) : undefined;
  addTaskFlagsFor(cmd, shown, [...builtinTasks.values()].map(withoutBatchesOption));
  cmd.action(async (taskArg: string, flags: Record<string, unknown>) => {
    const batches = intInRange('batches', flags.batches, 1, LAMBDA_LIMITS.maxBatches);
    const concurrency = intInRange('concurrency', flags.concurrency, 1, 100_000);
    const accountConcurrency = intInRange('account-concurrency', flags.accountConcurrency, 1, 1_000_000);
    const cores = intInRange('cores', flags.cores, 1, 4096);
    const sampleK = intInRange('sample', flags.sample, 1, 100);
    const batchSize = flags.batchSize === undefined ? undefined : intFlag('batch-size', flags.batchSize, true);
    const memorySizes = flags.memory === undefined ? undefined : parseMemoryList(String(flags.memory));
    const pricing = resolveLambdaPricing({
      memoryMb: memorySizes?.[0],
      architecture: flags.architecture as string | undefined,
    });
    const target = flags.target as PlanRequest['target'];
    let endpoint = typeof flags.lambdaEndpoint === 'string' ? flags.lambdaEndpoint.replace(/\/+$/, '') : undefined;
    if (endpoint !== undefined) checkLambdaEndpoint(endpoint, '--lambda-endpoint');
    if (target === 'emulator' && endpoint === undefined && flags.emulator !== true) {
      throw inputError('`--target emulator` needs a sample on the emulator: add `--emulator` or `--lambda-endpoint`');
    }
    const resolved = await resolveTask(task ?? taskArg);
    const taskObj = resolved.task;
    const input: Record<string, unknown> = { ...taskInputFrom(withoutBatchesOption(taskObj), flags) };
    if ((taskObj.options ?? []).some((o) => o.name === 'batches')) input.batches = batches;
    Object.assign(input, jsonInput(flags.input));
    const signal = interruptSignal();
    const emulator =
      flags.emulator === true && endpoint === undefined
        ? await openEmulator({ task: resolved.ref, concurrency: 4, signal })
        : undefined;
    let sample: MeasuredSample;
    try {
      if (emulator) endpoint = emulator.endpoint;
      sample = await sampleTask({
        task: taskObj,
        ref: resolved.ref,
        input,
        batches: sampleK,
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(endpoint !== undefined ? { endpoint } : {}),
        ...(emulator?.s3 ? { localS3: { endpoint: emulator.s3.endpoint, bucket: emulator.s3.bucket } } : {}),
        signal,
      });
    } finally {
      await emulator?.stop();
    }
    // For the emulator the far side's own map times drive the prediction: its "functions" are threads here.
    const modelSample =
      target === 'emulator' && sample.emulator
        ? { ...sample, batchMs: median(sample.emulator.durationMs), batchCpuMs: 0 }
        : sample;
    // batches whose event or reply would go through S3 add its requests (and the function's time on them)
    const offload = offloadExtra(sample.offloads);
    const localPlan = buildPlan(modelSample, {
      batches,
      concurrency,
      accountConcurrency,
      memoryMb: pricing.memoryMb,
      ...(memorySizes && memorySizes.length > 1 ? { memorySizes } : {}),
      architecture: pricing.architecture,
      cores,
      target,
      ...(offload ? { perBatchExtras: [offload] } : {}),
    });
    // the same fan-out with the cloud coordinator: the local-coordinator figures above stay as they are
    const plan = {
      ...localPlan,
      cloudCoordinator: coordinatorCost({
        batches,
        concurrency: localPlan.request.concurrency,
        wallMs: localPlan.prediction.wallMs,
        architecture: localPlan.request.architecture,
        localTotalUsd: localPlan.prediction.totalUsd,
        sampled: sample.offloads,
      }),
    };
    const text = planText(taskObj.name, plan, sample);
    if (typeof flags.report === 'string') {
      const file = resolve(flags.report);
      writeFileSync(file, planHtml(taskObj.name, plan, text));
      if (!flags.json) process.stderr.write(`report written to ${file}\n`);
    }
    if (flags.json) {
      writeStdout(
        `${JSON.stringify({ task: taskObj.name, input, measured: sample, ...plan, pricingSource: pricing.source })}\n`,
      );
    } else console.log(text);
  });
  return cmd;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
}
