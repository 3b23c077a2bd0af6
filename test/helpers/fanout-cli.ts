import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real binary: bin/fanout.js running the compiled dist/ (`npm test` builds first). */
export const bin = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));

/** Absolute path of a file in test/fixtures/. */
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link fanoutCli}. */
export interface CliOptions {
  /** Kill the CLI after this many ms. @default 60000 */
  timeout?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs `fanout <args>` as a child process and resolves with its output and exit code (never rejects). */
export function fanoutCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const opts = {
      timeout: options.timeout ?? 60_000,
      maxBuffer: 1 << 24,
      ...(options.env ? { env: options.env } : {}),
    };
    execFile(process.execPath, [bin, ...args], opts, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
