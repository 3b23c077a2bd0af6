import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));

/** A `fanout serve-docs` child process started by a test. */
export interface ServeDocsChild {
  /** The index URL it printed on its first stdout line. */
  indexUrl: string;
  /** Stops it by PID (SIGTERM) and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the real binary's `serve-docs <dir> [args]` on a free port of 127.0.0.1 and resolves once it printed its index
 * URL; rejects if it exits first.
 */
export async function startServeDocs(dir: string, args: readonly string[] = []): Promise<ServeDocsChild> {
  const server = spawn(process.execPath, [bin, 'serve-docs', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
  };
  const indexUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    server.once('exit', (code) => reject(new Error(`serve-docs exited ${code}`)));
  });
  return { indexUrl, stop };
}
