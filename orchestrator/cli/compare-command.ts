import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { Command, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../backends/backend.js';
import { resolveTask } from '../bundle/resolve-task.js';
import { withEmulator } from '../emulator/emulator-owner.js';
import { inputError } from '../errors.js';
import { fanout } from '../fanout.js';
import type { FanoutOptions, LambdaOptions } from '../options.js';
import { type Comparison, runComparison } from '../report/comparison.js';
import { comparisonJson, formatComparison } from '../report/comparison-table.js';
import { htmlReport } from '../report/html-report.js';
import { builtinTasks } from '../tasks/registry.js';
import type { AnyTask, TaskRef } from '../tasks/task.js';
import { summaryOf } from './commands.js';
import { addRunFlags, intFlag, parseBackendName, runOptionsFrom } from './common-flags.js';
import { interruptSignal } from './interrupt.js';
import { writeStdout } from './json-stdout.js';
import { addLambdaFlags, lambdaOptionsFrom } from './lambda-flags.js';
import { runFailureJson } from './run-output.js';
import { addInputFlag, addTaskFlagsFor, jsonInput, taskInputFrom } from './task-flags.js';
import { addTraceFlag, type TraceFlag, traceFrom } from './trace-flag.js';
import { attemptLine, taskOutputListener } from './verbose-lines.js';
import { checkWritablePath } from './writable-path.js';

/** Backends compared when `--backends` is not given: the local ones (no emulator needed). */
export const DEFAULT_COMPARE_BACKENDS = 'inline,thread,process';

/** Parses `--backends inline,thread,…`, naming a bad entry. */
export function parseBackendList(raw: string): BackendName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw inputError(`Expected \`--backends\` to list backends (${BACKEND_NAMES.join(',')}), got \`${raw}\``);
  const out = names.map(parseBackendName);
  const dup = out.find((n, i) => out.indexOf(n) !== i);
  if (dup) throw inputError(`Expected \`--backends\` to name each backend once, got \`${dup}\` twice`);
  return out;
}

/** Parses `--local-price-per-hour`, naming the flag when it is not a non-negative number. */
export function parsePrice(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (String(raw).trim() === '' || !Number.isFinite(n) || n < 0) {
    throw inputError(`Expected \`--local-price-per-hour\` to be a non-negative number of USD, got \`${String(raw)}\``);
  }
  return n;
}

/**
 * Calls `fn` with Lambda options that point at a running Invoke API: the given endpoint (or AWS), or — when lambda or
 * hybrid is compared with endpoint `auto` (what the Lambda flags give without an endpoint and without AWS credentials)
 * — one serverless-offline started here for every backend and run, and stopped afterwards by PID, even when `fn` throws.
 * `concurrencyGiven` false means the user did not ask for a concurrency, so the emulator's safe cap applies.
 */
export async function withLambdaEndpoint<T>(
  backends: readonly BackendName[],
  lambda: LambdaOptions,
  concurrencyGiven: boolean,
  fn: (lambda: LambdaOptions, emulated: boolean) => Promise<T>,
  log: (line: string) => void = () => {},
  task?: TaskRef,
): Promise<T> {
  const needsLambda = backends.includes('lambda') || backends.includes('hybrid');
  const endpoint = lambda.endpoint;
  const emulatedEndpoint = endpoint !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint);
  if (!needsLambda || endpoint !== 'auto') {
    if (needsLambda && task) await checkFunctionHolds(lambda, task);
    return fn(lambda, needsLambda && emulatedEndpoint);
  }
  log('starting the Lambda emulator (serverless-offline)…');
  // the emulator carries the compared user task, bundled exactly as this run bundled it
  const need = {
    task,
    stage: lambda.stage,
    concurrency: concurrencyGiven ? lambda.concurrency : undefined,
    signal: interruptSignal(),
  };
  return withEmulator(need, async (emulator) => {
    const s3 = emulator.s3 ? `, local S3 server at ${emulator.s3.endpoint} (pid ${emulator.s3.pid})` : '';
    log(`emulator ready at ${emulator.endpoint} (pid ${emulator.pid})${s3}`);
    const concurrency = concurrencyGiven ? lambda.concurrency : emulator.maxConcurrency;
    const ready: LambdaOptions = {
      ...lambda,
      endpoint: emulator.endpoint,
      ...(concurrency ? { concurrency } : {}),
      // the function offloads through the S3 server started with the emulator
      ...(emulator.s3 ? { localS3: { endpoint: emulator.s3.endpoint, bucket: emulator.s3.bucket } } : {}),
    };
    await warmUp(ready, concurrency ?? emulator.maxConcurrency);
    log('emulator warmed up: every instance loaded once, so the backends compared see warm instances alike');
    return fn(ready, true);
  });
}

/**
 * Checks that the worker function holds `task` at this run's exact version (EVERSION otherwise), before any backend
 * runs: a stale deployed function must not cost the local runs that come first in the list.
 */
async function checkFunctionHolds(lambda: LambdaOptions, task: TaskRef): Promise<void> {
  const { LambdaBackend } = await import('../backends/lambda/lambda-backend.js');
  const backend = new LambdaBackend({ ...lambda, concurrency: 1 });
  await backend.start({ task });
  try {
    await backend.probe();
  } finally {
    await backend.stop();
  }
}

/**
 * One round of short invokes at full concurrency, so the emulator has started its instances (a worker thread each,
 * loading the bundle on the same cores) before anything is timed; otherwise whichever backend runs first pays for it.
 */
async function warmUp(lambda: LambdaOptions, concurrency: number): Promise<void> {
  await fanout(
    'sleep',
    { batches: concurrency, ms: 50 },
    { backend: 'lambda', lambda, retries: 2, timeoutMs: 120_000, signal: interruptSignal() },
  );
}

/** What one `compare` needs besides the task and input. */
export interface CompareFlow {
  backends: BackendName[];
  runs: number;
  /** Untimed runs per backend before the timed ones. @default 1 */
  warmups?: number;
  options: Omit<FanoutOptions, 'backend'>;
  concurrencyGiven: boolean;
  localPricePerHour?: number;
  log?: (line: string) => void;
}

/**
 * Runs one comparison, starting the emulator when needed; progress goes to `log`. Every backend must be able to take
 * the task before the first one runs: a task object not defined in a module file runs inline only, and the worker
 * function must hold the task at this run's version.
 */
export async function compareFlow(task: AnyTask | string, input: unknown, flow: CompareFlow): Promise<Comparison> {
  const log = flow.log ?? (() => {});
  const resolved = await resolveTask(task);
  const far = flow.backends.filter((b) => b !== 'inline');
  if (far.length > 0 && resolved.ref.kind === 'builtin' && builtinTasks.get(resolved.ref.name) !== resolved.task) {
    throw inputError(
      `Task \`${resolved.task.name}\` was not made with defineTask in a module file, so ${far.join(', ')} cannot load it; pass its module path`,
    );
  }
  return withLambdaEndpoint(
    flow.backends,
    flow.options.lambda ?? {},
    flow.concurrencyGiven,
    (lambda, emulated) =>
      runComparison({
        task,
        input,
        backends: flow.backends,
        runs: flow.runs,
        ...(flow.warmups !== undefined ? { warmups: flow.warmups } : {}),
        options: { ...flow.options, lambda },
        emulated,
        ...(flow.localPricePerHour !== undefined ? { localPricePerHour: flow.localPricePerHour } : {}),
        onRun: (backend, run, wallMs, warmup) =>
          log(`  ${backend.padEnd(7)} ${warmup ? 'warm-up' : 'run'} ${run}: ${(wallMs / 1000).toFixed(2)} s`),
      }),
    log,
    resolved.ref,
  );
}

/**
 * Checks, before any backend runs, that `--report` names a file that can be written: a run can take minutes, and its
 * result must not be lost to a typo in the path at the very end.
 */
export function checkReportPath(path: string): void {
  checkWritablePath(path, '--report');
}

/** `onRecord` for `--trace` and `--verbose` (one line per finished batch attempt), when either is on. */
function recordListeners(
  trace: TraceFlag | undefined,
  verbose: boolean,
  log: (line: string) => void,
): Pick<FanoutOptions, 'onRecord'> {
  if (!trace && !verbose) return {};
  return {
    onRecord: (r, run) => {
      trace?.recorder.onRecord(r, run);
      const line = verbose ? attemptLine(r, run.backend) : undefined;
      if (line) log(`    ${line}`);
    },
  };
}

/** Writes the HTML report (linking to the trace file when one was written) and returns its absolute path. */
export function writeReport(
  path: string,
  comparisons: readonly Comparison[],
  title?: string,
  traceFile?: string,
): string {
  const file = resolve(path);
  const trace = traceFile ? relative(dirname(file), traceFile).split(sep).join('/') : undefined;
  writeFileSync(file, htmlReport(comparisons, title, trace ? { traceHref: trace } : {}));
  return file;
}

/**
 * `fanout compare <task> [task options] --backends inline,thread,process,lambda,hybrid [--runs R] [--report out.html]
 * [--json]`: the same input on each backend, results checked identical (EMISMATCH otherwise, exit 1), then a table
 * of wall, speedup, CPU, CPU/wall, batches per side, retries and estimated cost, with advice.
 */
export function compareCommand(task?: AnyTask): Command {
  const cmd = new Command('compare')
    .description(summaryOf('compare'))
    .argument('<task>', `a built-in task (${[...builtinTasks.keys()].join(', ')}) or a path to a task module`)
    .option('--backends <list>', `comma-separated, from ${BACKEND_NAMES.join(',')}`, DEFAULT_COMPARE_BACKENDS)
    .option('--runs <r>', 'timed repetitions per backend, in rotated order; the median is reported', '1')
    .option('--warmup <n>', 'untimed runs per backend before timing (0 = none)', '1')
    .option('--report <file>', 'write a self-contained HTML report with a timeline per backend')
    .addOption(new Option('--local-price-per-hour <usd>', 'price of this machine per hour, to show local cost in USD'));
  addRunFlags(cmd);
  addTraceFlag(cmd);
  addInputFlag(cmd);
  addLambdaFlags(cmd);
  addTaskFlagsFor(cmd, task, builtinTasks.values());
  cmd.action(async (taskArg: string, flags: Record<string, unknown>) => {
    const backends = parseBackendList(String(flags.backends));
    const runs = intFlag('runs', flags.runs, true);
    const warmups = intFlag('warmup', flags.warmup, false);
    const localPricePerHour = parsePrice(flags.localPricePerHour);
    if (typeof flags.report === 'string') checkReportPath(flags.report);
    const trace = traceFrom(flags);
    const lambda = lambdaOptionsFrom(flags);
    const concurrencyGiven = lambda.concurrency !== undefined;
    const taskObj = task ?? builtinTasks.get(taskArg);
    const input = { ...(taskObj ? taskInputFrom(taskObj, flags) : {}), ...jsonInput(flags.input) };
    const json = flags.json === true;
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const comparison = await compareFlow(task ?? taskArg, input, {
      backends,
      runs,
      warmups,
      options: {
        ...runOptionsFrom(flags),
        lambda,
        signal: interruptSignal(),
        ...recordListeners(trace, flags.verbose === true, log),
        ...taskOutputListener(flags, log),
      },
      concurrencyGiven,
      ...(localPricePerHour !== undefined ? { localPricePerHour } : {}),
      log,
    }).catch((err: unknown) => {
      // failed or interrupted: still exactly one document on stdout with --json (the message goes to stderr too)
      if (json) writeStdout(`${JSON.stringify({ ...runFailureJson(taskObj?.name ?? taskArg, '', err), backends })}\n`);
      throw err;
    });
    const traceFile = trace?.write(`compare ${comparison.task} --backends ${backends.join(',')}`);
    const reportFile =
      typeof flags.report === 'string' ? writeReport(flags.report, [comparison], undefined, traceFile) : undefined;
    if (json) {
      writeStdout(
        `${JSON.stringify({ ...(comparisonJson(comparison) as object), report: reportFile, ...(traceFile ? { trace: traceFile } : {}) })}\n`,
      );
    } else {
      console.log(`\n${formatComparison(comparison)}`);
      if (reportFile) console.log(`\nReport: ${reportFile}`);
      if (traceFile)
        console.log(`${reportFile ? '' : '\n'}Trace: ${traceFile} (open in ui.perfetto.dev or chrome://tracing)`);
    }
  });
  return cmd;
}
