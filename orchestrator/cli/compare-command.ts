import { closeSync, existsSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../backends/backend.js';
import { type Emulator, startEmulator } from '../backends/lambda/emulator.js';
import { inputError } from '../errors.js';
import { fanout } from '../fanout.js';
import type { FanoutOptions, LambdaOptions } from '../options.js';
import { type Comparison, runComparison } from '../report/comparison.js';
import { comparisonJson, formatComparison } from '../report/comparison-table.js';
import { htmlReport } from '../report/html-report.js';
import { builtinTasks } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/task.js';
import { addRunFlags, intFlag, parseBackendName, runOptionsFrom } from './common-flags.js';
import { writeStdout } from './json-stdout.js';
import { addLambdaFlags, lambdaOptionsFrom } from './lambda-flags.js';
import { addInputFlag, addTaskFlagsFor, jsonInput, taskInputFrom } from './task-flags.js';

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
): Promise<T> {
  const needsLambda = backends.includes('lambda') || backends.includes('hybrid');
  const endpoint = lambda.endpoint;
  const emulatedEndpoint = endpoint !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint);
  if (!needsLambda || endpoint !== 'auto') return fn(lambda, needsLambda && emulatedEndpoint);
  log('starting the Lambda emulator (serverless-offline)…');
  const emulator: Emulator = await startEmulator({
    ...(lambda.stage ? { stage: lambda.stage } : {}),
    ...(concurrencyGiven && lambda.concurrency ? { maxConcurrency: lambda.concurrency } : {}),
  });
  log(`emulator ready at ${emulator.endpoint} (pid ${emulator.pid})`);
  try {
    const concurrency = concurrencyGiven ? lambda.concurrency : emulator.maxConcurrency;
    const ready: LambdaOptions = { ...lambda, endpoint: emulator.endpoint, ...(concurrency ? { concurrency } : {}) };
    await warmUp(ready, concurrency ?? emulator.maxConcurrency);
    log('emulator warmed up: every instance loaded once, so the backends compared see warm instances alike');
    return await fn(ready, true);
  } finally {
    await emulator.stop();
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
    { backend: 'lambda', lambda, retries: 2, timeoutMs: 120_000 },
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

/** Runs one comparison, starting the emulator when needed; progress goes to `log`. */
export function compareFlow(task: AnyTask | string, input: unknown, flow: CompareFlow): Promise<Comparison> {
  const log = flow.log ?? (() => {});
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
  );
}

/**
 * Checks, before any backend runs, that `--report` names a file that can be written: a run can take minutes, and its
 * result must not be lost to a typo in the path at the very end.
 */
export function checkReportPath(path: string): void {
  const file = resolve(path);
  let why: string | undefined;
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) why = 'a directory';
    else {
      // open for append: the only check that also holds for root and odd file systems; a probe file is removed again
      const existed = existsSync(file);
      closeSync(openSync(file, 'a'));
      if (!existed) rmSync(file, { force: true });
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    why = e.code === 'ENOENT' && !existsSync(dirname(file)) ? `${dirname(file)} does not exist` : (e.code ?? e.message);
  }
  if (why) throw inputError(`Expected \`--report\` to be a writable file path, got \`${path}\` (${why})`);
}

/** Writes the HTML report and returns its absolute path. */
export function writeReport(path: string, comparisons: readonly Comparison[], title?: string): string {
  const file = resolve(path);
  writeFileSync(file, htmlReport(comparisons, title));
  return file;
}

/**
 * `fanout compare <task> [task options] --backends inline,thread,process,lambda,hybrid [--runs R] [--report out.html]
 * [--json]`: the same input on each backend, results checked identical (EMISMATCH otherwise, exit 1), then a table
 * of wall, speedup, CPU, CPU/wall, batches per side, retries and estimated cost, with advice.
 */
export function compareCommand(task?: AnyTask): Command {
  const cmd = new Command('compare')
    .description('run the same input on several backends; compare time, CPU, cost; write an HTML timeline')
    .argument('<task>', `a built-in task (${[...builtinTasks.keys()].join(', ')}) or a path to a task module`)
    .option('--backends <list>', `comma-separated, from ${BACKEND_NAMES.join(',')}`, DEFAULT_COMPARE_BACKENDS)
    .option('--runs <r>', 'timed repetitions per backend, in rotated order; the median is reported', '1')
    .option('--warmup <n>', 'untimed runs per backend before timing (0 = none)', '1')
    .option('--report <file>', 'write a self-contained HTML report with a timeline per backend')
    .addOption(new Option('--local-price-per-hour <usd>', 'price of this machine per hour, to show local cost in USD'));
  addRunFlags(cmd);
  addInputFlag(cmd);
  addLambdaFlags(cmd);
  addTaskFlagsFor(cmd, task, builtinTasks.values());
  cmd.action(async (taskArg: string, flags: Record<string, unknown>) => {
    const backends = parseBackendList(String(flags.backends));
    const runs = intFlag('runs', flags.runs, true);
    const warmups = intFlag('warmup', flags.warmup, false);
    const localPricePerHour = parsePrice(flags.localPricePerHour);
    if (typeof flags.report === 'string') checkReportPath(flags.report);
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
      options: { ...runOptionsFrom(flags), lambda },
      concurrencyGiven,
      ...(localPricePerHour !== undefined ? { localPricePerHour } : {}),
      log,
    });
    const reportFile = typeof flags.report === 'string' ? writeReport(flags.report, [comparison]) : undefined;
    if (json) {
      writeStdout(`${JSON.stringify({ ...(comparisonJson(comparison) as object), report: reportFile })}\n`);
    } else {
      console.log(`\n${formatComparison(comparison)}`);
      if (reportFile) console.log(`\nReport: ${reportFile}`);
    }
  });
  return cmd;
}
