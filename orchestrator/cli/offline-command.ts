import { Command } from 'commander';
import { type Emulator, withEmulator } from '../emulator/emulator-owner.js';
import { LOCAL_S3_CREDENTIALS } from '../emulator/local-s3-credentials.js';
import { inputError } from '../errors.js';
import { DEFAULTS } from '../options.js';
import { summaryOf } from './commands.js';
import { intFlag } from './common-flags.js';
import { interruption, interruptSignal } from './interrupt.js';

/**
 * `fanout offline [--port N] [--stage S]` (`npm run offline` in fanout's repository): serverless-offline serving this
 * project's worker function on 127.0.0.1, and the local S3 server it offloads through, until Ctrl-C, then both stopped
 * by PID. Prints the endpoints to pass as `--lambda-endpoint`, `--offload-bucket` and `--s3-endpoint`.
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
        const s3 = emulator.s3;
        if (s3) {
          console.log(
            `s3rver (pid ${s3.pid}) serves bucket ${s3.bucket} at ${s3.endpoint} (key pair ${LOCAL_S3_CREDENTIALS.accessKeyId}/${LOCAL_S3_CREDENTIALS.secretAccessKey}): the function offloads large batches and partials through it`,
          );
        }
        const offload = s3 ? ` --offload-bucket ${s3.bucket} --s3-endpoint ${s3.endpoint}` : '';
        const keys = s3 ? LOCAL_S3_CREDENTIALS : { accessKeyId: 'x', secretAccessKey: 'x' };
        console.log(
          `try: AWS_ACCESS_KEY_ID=${keys.accessKeyId} AWS_SECRET_ACCESS_KEY=${keys.secretAccessKey} npx fanout run primes --backend lambda --lambda-endpoint ${emulator.endpoint} --concurrency ${emulator.maxConcurrency}${offload}`,
        );
        console.log('Ctrl-C stops it.');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      });
      const s3 = served?.s3 ? ` and S3 server (pid ${served.s3.pid})` : '';
      process.stderr.write(
        `fanout offline: interrupted by ${interruption()?.signal}, emulator (pid ${served?.pid})${s3} stopped\n`,
      );
    });
}
