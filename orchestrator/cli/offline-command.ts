import { Command } from 'commander';
import { type Emulator, withEmulator } from '../emulator/emulator-owner.js';
import { inputError } from '../errors.js';
import { DEFAULTS } from '../options.js';
import { summaryOf } from './commands.js';
import { intFlag } from './common-flags.js';
import { interruption, interruptSignal } from './interrupt.js';

/**
 * `fanout offline [--port N] [--stage S]` (`npm run offline` in fanout's repository): serverless-offline serving this
 * project's worker function on 127.0.0.1 until Ctrl-C, then stopped by PID. Prints the endpoint to pass as
 * `--lambda-endpoint`.
 */
export function offlineCommand(): Command {
  return new Command('offline')
    .description(summaryOf('offline'))
    .option('--port <n>', 'Invoke API port (default: a free one)')
    .option('--stage <stage>', 'stage, which names the function fanout-<stage>-worker', DEFAULTS.stage)
    .action(async (flags: { port?: string; stage: string }) => {
      const port = flags.port === undefined ? undefined : intFlag('port', flags.port, true);
      if (port !== undefined && port > 65_535) {
        throw inputError(`Expected \`--port\` to be a TCP port from 1 to 65535, got \`${flags.port}\``);
      }
      const signal = interruptSignal();
      let served: Emulator | undefined;
      await withEmulator({ port, stage: flags.stage, logs: true, signal }, async (emulator) => {
        served = emulator;
        console.log(
          `serverless-offline (pid ${emulator.pid}) serves fanout-${flags.stage}-worker at ${emulator.endpoint}`,
        );
        console.log(
          `try: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x npx fanout run primes --backend lambda --lambda-endpoint ${emulator.endpoint} --concurrency ${emulator.maxConcurrency}`,
        );
        console.log('Ctrl-C stops it.');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      });
      process.stderr.write(
        `fanout offline: interrupted by ${interruption()?.signal}, emulator (pid ${served?.pid}) stopped\n`,
      );
    });
}
