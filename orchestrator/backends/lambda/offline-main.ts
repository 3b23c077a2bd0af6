/**
 * `npm run offline [-- --port 3002]`: starts serverless-offline with the worker function on 127.0.0.1 and keeps it
 * running until Ctrl-C, then stops it by PID. Prints the endpoint to pass as `--lambda-endpoint`.
 */
import { installInterruptPolicy, interruption } from '../../cli/interrupt.js';
import { inputError, isFanoutError } from '../../errors.js';
import { startEmulator } from './emulator.js';

function portArg(argv: string[]): number | undefined {
  const i = argv.indexOf('--port');
  if (i < 0) return undefined;
  const raw = argv[i + 1] ?? '';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw inputError(`Expected \`--port\` to be a TCP port from 1 to 65535, got \`${raw}\``);
  }
  return port;
}

const signal = installInterruptPolicy('fanout offline');
try {
  const port = portArg(process.argv.slice(2));
  const emulator = await startEmulator({ ...(port !== undefined ? { port } : {}), logs: true, signal });
  console.log(`serverless-offline (pid ${emulator.pid}) serves fanout-dev-worker at ${emulator.endpoint}`);
  console.log(
    `try: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x npx fanout run primes --backend lambda --lambda-endpoint ${emulator.endpoint} --concurrency ${emulator.maxConcurrency}`,
  );
  console.log('Ctrl-C stops it.');
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await emulator.stop();
  process.stderr.write(
    `fanout offline: interrupted by ${interruption()?.signal}, emulator (pid ${emulator.pid}) stopped\n`,
  );
  process.exit(interruption()?.exitCode ?? 130);
} catch (err) {
  const stopped = interruption();
  if (stopped) {
    process.stderr.write(`fanout offline: interrupted by ${stopped.signal} while the emulator was starting; stopped\n`);
    process.exit(stopped.exitCode);
  }
  console.error(isFanoutError(err) ? `fanout offline: ${err.message}` : err);
  process.exit(isFanoutError(err, 'EINPUT') ? 2 : 1);
}
