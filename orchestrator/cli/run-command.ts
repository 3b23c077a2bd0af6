import { Command, Option } from 'commander';
import { isFanoutError } from '../errors.js';
import { fanout } from '../fanout.js';
import type { LambdaOptions, RunInfo } from '../options.js';
import type { BatchRecord } from '../stats.js';
import { builtinTasks } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/task.js';
import { summaryOf } from './commands.js';
import { addRunFlags, backendOption, parseBackendName, runOptionsFrom } from './common-flags.js';
import { interruptSignal } from './interrupt.js';
import { addJournalFlags, journalOptionsFrom } from './journal-flags.js';
import { writeStdout } from './json-stdout.js';
import { addLambdaFlags, lambdaOptionsFrom } from './lambda-flags.js';
import { ProgressBar } from './progress-bar.js';
import { runFailureJson, runJson, runText } from './run-output.js';
import { addInputFlag, addTaskFlagsFor, jsonInput, taskInputFrom } from './task-flags.js';
import { addTraceFlag, traceFrom } from './trace-flag.js';
import { attemptLine, taskOutputListener } from './verbose-lines.js';

/** Exit code when the run completed but some input items failed for good (listed in stats.failed). */
export const EXIT_SOME_FAILED = 3;

/**
 * `fanout run <task> [task options] --backend …`. `task` is the task named on the command line when it could be
 * resolved before parsing; its options are then registered; otherwise every built-in task's options are.
 */
export function runCommand(task: AnyTask | undefined): Command {
  const cmd = new Command('run')
    .description(summaryOf('run'))
    .argument('<task>', `a built-in task (${[...builtinTasks.keys()].join(', ')}) or a path to a task module`)
    .addOption(backendOption());
  addRunFlags(cmd);
  addTraceFlag(cmd);
  addInputFlag(cmd);
  cmd.option('--records', 'with --json: include one record per batch attempt (for timelines)', false);
  addJournalFlags(cmd);
  addLambdaFlags(cmd);
  addCoordinatorFlags(cmd);
  addTaskFlagsFor(cmd, task, builtinTasks.values());
  cmd.action(async (taskArg: string, flags: Record<string, unknown>) => {
    const backend = parseBackendName(String(flags.backend));
    const options = runOptionsFrom(flags);
    const target = task ?? taskArg;
    const taskObj = task ?? builtinTasks.get(taskArg);
    const input = { ...(taskObj ? taskInputFrom(taskObj, flags) : {}), ...jsonInput(flags.input) };
    if (flags.coordinator === 'cloud') {
      const { runOnCloud } = await import('./cloud-run.js');
      return runOnCloud({ target, input, batchSize: options.batchSize, retries: options.retries ?? 0, flags });
    }
    const trace = traceFrom(flags);
    let traced = false;
    const journal = journalOptionsFrom(flags);
    const bar = new ProgressBar(process.stderr, !flags.json && process.stderr.isTTY === true);
    // A task that calls process.exit() on the main thread (inline, or in split/merge) must not pass for a success.
    const onEarlyExit = (code: number): void => {
      if (code !== 0) return;
      process.exitCode = 1;
      process.stderr.write('fanout: the task called process.exit() before the run finished [ETASK]\n');
    };
    process.on('exit', onEarlyExit);
    const name = taskObj?.name ?? taskArg;
    try {
      let emulator: string | undefined;
      const lambda: LambdaOptions = {
        ...lambdaOptionsFrom(flags),
        onEmulator: (e) => {
          emulator = e.endpoint;
          const s3 = e.s3 ? ` and the local S3 server (s3rver) at ${e.s3.endpoint} (pid ${e.s3.pid})` : '';
          bar.log(
            `fanout: no Lambda endpoint and no AWS credentials: started the local Lambda emulator (serverless-offline) at ${e.endpoint} (pid ${e.pid})${s3}`,
          );
        },
      };
      const verbose = flags.verbose === true;
      const res = await fanout(target, input, {
        ...options,
        ...journal,
        backend,
        lambda,
        signal: interruptSignal(),
        onProgress: (p) => bar.update(p),
        ...taskOutputListener(flags, (line) => bar.log(line)),
        ...(trace || verbose
          ? {
              onRecord: (r: BatchRecord, run: RunInfo) => {
                trace?.recorder.onRecord(r, run);
                const line = verbose ? attemptLine(r) : undefined;
                if (line) bar.log(`  ${line}`);
              },
            }
          : {}),
      });
      if (emulator) bar.log(`fanout: the ${backend} backend ran on the local emulator at ${emulator}, not on AWS`);
      bar.done();
      for (const d of res.stats.droppedSides ?? []) {
        process.stderr.write(
          `fanout: warning: the ${d.side} side was dropped and the run finished without it: ${d.reason}\n`,
        );
      }
      const name = taskObj?.name ?? taskArg;
      const traceFile = trace?.write(`run ${name} --backend ${backend}`);
      traced = true;
      if (flags.json) {
        const doc = runJson(name, backend, res, flags.records === true);
        writeStdout(`${JSON.stringify(traceFile ? { ...doc, trace: traceFile } : doc)}\n`);
      } else {
        console.log(runText(name, backend, res));
        if (traceFile) console.log(`trace     ${traceFile} (open in ui.perfetto.dev or chrome://tracing)`);
      }
      if (res.stats.failed?.length) process.exitCode = EXIT_SOME_FAILED;
    } catch (err) {
      bar.done();
      // one document on stdout, failure or not; the one-line message still goes to stderr (main's report)
      if (flags.json) writeStdout(`${JSON.stringify(runFailureJson(name, backend, err))}\n`);
      const file = journal.journal ?? journal.resumeFrom;
      if (file && !isFanoutError(err, 'EINPUT')) {
        process.stderr.write(`fanout: journal ${file} holds what finished; \`--resume ${file}\` runs the rest\n`);
      }
      throw err;
    } finally {
      // a failed run's attempts are what one wants to look at: write what was recorded before the error line
      if (trace && !traced && trace.recorder.recordCount > 0) {
        const file = trace.write(`run ${taskObj?.name ?? taskArg} --backend ${backend} (failed)`);
        process.stderr.write(`fanout: trace of the failed run written to ${file}\n`);
      }
      process.off('exit', onEarlyExit);
      bar.done();
    }
  });
  return cmd;
}

/** `--coordinator local|cloud` and what goes with a cloud-coordinated run (docs/coordinator.md). */
function addCoordinatorFlags(cmd: Command): void {
  cmd
    .addOption(
      new Option(
        '--coordinator <where>',
        'who coordinates the run: this process, or the durable `coordinator` Lambda function (a local rehearsal of it without AWS credentials)',
      )
        .choices(['local', 'cloud'])
        .default('local'),
    )
    .option('--wait', 'with --coordinator cloud: follow the execution to its end and print the result', false)
    .option(
      '--coordinator-function <name>',
      'with --coordinator cloud: the coordinator function (default: fanout-<stage>-coordinator)',
    );
}
