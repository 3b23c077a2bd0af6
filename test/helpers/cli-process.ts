import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bin } from './fanout-cli.js';

/** A `fanout` CLI started in the background, for signal and crash tests. */
export interface RunningCli {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (128 + n when killed by signal n, like a shell). */
  exited: Promise<number>;
  /** Resolves once stderr matches `re`; rejects after `ms` or when the CLI exits first. */
  waitForStderr(re: RegExp, ms?: number): Promise<void>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `node bin/fanout.js <args>` (or another script of ours, `script`) with piped output. */
export function startCli(args: string[], script = bin, env: NodeJS.ProcessEnv = process.env): RunningCli {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of waiters) w();
  });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0));
    });
  });
  const waitForStderr = (re: RegExp, ms = 60_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (re.test(err)) done();
        else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`exited before ${re}: ${err}`));
      };
      const timer = setTimeout(() => done(new Error(`no ${re} after ${ms} ms; stderr: ${err}`)), ms);
      const done = (e?: Error): void => {
        clearTimeout(timer);
        waiters.delete(check);
        if (e) reject(e);
        else resolve();
      };
      waiters.add(check);
      check();
    });
  return { child, pid: child.pid as number, stdout: () => out, stderr: () => err, exited, waitForStderr };
}

/** Polls `probe` every 50 ms until it is true; rejects after `ms`. */
export async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Batches a journal file says it holds (its header line), 0 while it does not exist yet. */
export function journalBatches(file: string): number {
  try {
    const head = readFileSync(file).subarray(0, 4096).toString('utf8').split('\n')[0] ?? '';
    return (JSON.parse(head) as { batches: number }).batches;
  } catch {
    return 0;
  }
}
