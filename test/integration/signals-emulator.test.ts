import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningCli, startCli, until } from '../helpers/cli-process.js';
import { cmdlineOf, descendants, isRunning, waitAllGone } from '../helpers/process-tree.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_REGION: 'us-east-1',
};
delete env.FANOUT_LAMBDA_ENDPOINT;

const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

function cli(args: string[], script?: string): RunningCli {
  const c = startCli(args, script, env);
  started.push(c.pid);
  return c;
}

/** The emulator among the CLI's descendants (the one with `--lambdaPort`) and its build folder. */
async function emulatorOf(pid: number): Promise<{ pid: number; buildDir: string }> {
  let found: { pid: number; buildDir: string } | undefined;
  await until(
    () => {
      for (const d of descendants(pid)) {
        if (!/--lambdaPort \d+/.test(cmdlineOf(d))) continue;
        // its own build folder (under the OS temp dir), as the emulator was told it: FANOUT_ESBUILD_DIR, relative to root
        const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
        const dir = env.find((e) => e.startsWith('FANOUT_ESBUILD_DIR='))?.slice('FANOUT_ESBUILD_DIR='.length);
        if (dir) found = { pid: d, buildDir: resolve(root, dir) };
      }
      return found !== undefined;
    },
    60_000,
    'the emulator process',
  );
  return found as { pid: number; buildDir: string };
}

const COMPARE = ['compare', 'primes', '--limit', '1e9', '--backends', 'inline,lambda'];

// The emulator can take 20 s to build and start on a loaded 2-core machine.
describe('signals while the Lambda emulator runs: nothing left listening, no build folder left', {
  timeout: 180_000,
}, () => {
  it('compare: Ctrl-C while the emulator is starting → exit 130 "interrupted", not ENETWORK', async () => {
    const run = cli(COMPARE);
    const emu = await emulatorOf(run.pid);
    const tree = descendants(run.pid);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(130);
    expect(run.stderr()).toContain('interrupted by SIGINT');
    expect(run.stderr()).not.toMatch(/ENETWORK|exited before it was ready/);
    expect(await waitAllGone(tree, 5000)).toEqual([]);
    expect(isRunning(emu.pid)).toBe(false);
    expect(existsSync(emu.buildDir)).toBe(false);
  });

  it('run --backend lambda --lambda-endpoint auto: SIGHUP while the emulator starts → 129, nothing left', async () => {
    const run = cli(['run', 'primes', '--limit', '1e9', '--backend', 'lambda', '--lambda-endpoint', 'auto']);
    const emu = await emulatorOf(run.pid);
    const tree = descendants(run.pid);
    run.child.kill('SIGHUP');
    expect(await run.exited, run.stderr()).toBe(129);
    expect(run.stderr()).toContain('interrupted by SIGHUP');
    expect(run.stderr()).not.toMatch(/ENETWORK|EPIPE|\n\s+at /);
    expect(await waitAllGone(tree, 5000)).toEqual([]);
    expect(existsSync(emu.buildDir)).toBe(false);
  });

  it('compare: SIGTERM once the emulator serves → 130, emulator and children stopped', async () => {
    const run = cli([...COMPARE, '--batch-size', '5e6']);
    await run.waitForStderr(/emulator ready at/, 120_000);
    const emu = await emulatorOf(run.pid);
    const tree = descendants(run.pid);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(130);
    expect(run.stderr()).toContain('interrupted by SIGTERM');
    expect(await waitAllGone(tree, 5000)).toEqual([]);
    expect(existsSync(emu.buildDir)).toBe(false);
  });

  // Known gap: after kill -9 the emulator exits within ~100 ms (its pipes to fanout close), before its parent watch or
  // its exit hook remove the build folder, which then stays in the OS temp dir; only the processes are asserted here.
  it('kill -9 of fanout: the emulator it started and its esbuild service exit by themselves', async () => {
    const run = cli(['run', 'primes', '--limit', '1e9', '--backend', 'lambda', '--lambda-endpoint', 'auto']);
    const emu = await emulatorOf(run.pid);
    await until(() => existsSync(emu.buildDir), 120_000, 'the emulator build');
    const tree = descendants(run.pid);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(tree).toContain(emu.pid);
    // by themselves: each notices its parent is gone (a closed pipe, the parent watch) — alone in ~100 ms, but once in
    // a full-suite run on 2 busy cores one child was still there after 5 s; the bound is for "never", not for speed
    expect(await waitAllGone(tree, 20_000)).toEqual([]);
  });

  it('demo: SIGINT while starting → 130; docs server, emulator and folders gone', async () => {
    const run = cli(['demo', '--report', join(root, 'test-output', 'never-written.html')]);
    const emu = await emulatorOf(run.pid);
    const tree = descendants(run.pid);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(130);
    expect(run.stderr()).toContain('interrupted by SIGINT');
    expect(await waitAllGone(tree, 5000)).toEqual([]);
    expect(existsSync(emu.buildDir)).toBe(false);
  });

  it('fanout offline (npm run offline): SIGINT once it serves → emulator and S3 server stopped, exit 130', async () => {
    const run = cli(['offline']);
    await until(() => run.stdout().includes('Ctrl-C stops it.'), 120_000, 'offline ready');
    const emu = await emulatorOf(run.pid);
    const tree = descendants(run.pid);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(130);
    const stopped = /emulator \(pid (\d+)\) and S3 server \(pid (\d+)\) stopped/.exec(run.stderr());
    expect(stopped?.[1], run.stderr()).toBe(String(emu.pid));
    expect(tree).toContain(Number(stopped?.[2]));
    expect(await waitAllGone(tree, 5000)).toEqual([]);
    expect(existsSync(emu.buildDir)).toBe(false);
  });
});
