import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTask } from '../../orchestrator/bundle/bundle-task.js';
import { fixture } from '../helpers/fanout-cli.js';
import { root, sls } from '../helpers/serverless-cli.js';

/**
 * A user task listed in fanout.config.json is bundled into the worker function by `sls package` and served by
 * `sls invoke local`; a bad entry stops packaging with one line. The config is given with FANOUT_CONFIG so the
 * repository's own packaging is left alone. Needs `npm run build` first (the esbuild plugin runs fanout's bundler).
 */

const COLLATZ = fixture('ts-task/collatz.ts');
const dir = mkdtempSync(join(tmpdir(), 'fanout-config-'));
const buildDir = join('.esbuild', `user-task-test-${process.pid}`);

function config(name: string, tasks: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ tasks }));
  return file;
}

/** Runs sls and resolves with its exit code and output (never rejects). */
async function slsRun(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await sls(args, buildDir, env);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(root, buildDir), { recursive: true, force: true });
});

describe('a user task in fanout.config.json', () => {
  let packaged: { code: number; out: string };
  beforeAll(async () => {
    // its own output folder: the repository's .serverless/ belongs to serverless-package.test.ts, running alongside
    packaged = await slsRun(['package', '--package', join(dir, 'out')], {
      FANOUT_CONFIG: config('fanout.config.json', [COLLATZ]),
    });
  });

  it('is packaged: the zip holds one small handler bundle carrying the task at its bundle version', async () => {
    // Prepare
    const { version } = await bundleTask(COLLATZ);
    const zip = join(dir, 'out', 'worker.zip');
    // Act
    const listing = execFileSync('unzip', ['-l', zip], { encoding: 'utf8' });
    const handler = execFileSync('unzip', ['-p', zip, 'dist/functions/worker.cjs'], { encoding: 'utf8' });
    const size = statSync(zip).size;
    // Assess
    expect(packaged.code).toBe(0);
    expect(listing).toContain('dist/functions/worker.cjs');
    expect(listing).toMatch(/\s1 file\s*$/);
    expect(handler).toContain(`"${version}"`);
    expect(handler).toContain('collatz refuses');
    // no esbuild import.meta warning and no fetch stage (undici) in what the function carries
    expect(packaged.out).not.toContain('import.meta');
    expect(handler).not.toContain('undici');
    console.info(`worker.zip with the collatz task: ${size} bytes`);
    // the handler carries the S3 client for offloaded payloads (~200 KB zipped); the bound catches a bundle that
    // drags in the orchestrator, esbuild or the Lambda client
    expect(size).toBeLessThan(400 * 1024);
  });

  it('is served by sls invoke local, by name and version', async () => {
    // Prepare
    const { version } = await bundleTask(COLLATZ);
    const env = { FANOUT_CONFIG: join(dir, 'fanout.config.json') };
    const event = { task: 'collatz', version, batchId: '0', batch: { lo: 1, hi: 10 } };
    // Act
    const run = await slsRun(['invoke', 'local', '-f', 'worker', '--data', JSON.stringify(event)], env);
    // Assess: Σ steps of 1..10 is 67, 9 is the longest (19 steps)
    expect(run.code).toBe(0);
    const reply = JSON.parse(run.out.slice(run.out.indexOf('{'))) as { partial: unknown };
    expect(reply.partial).toEqual({ steps: 67, odd: 5, longest: { n: 9, steps: 19 } });
  });

  it.each([
    [
      'a missing file',
      ['./no-such-task.ts'],
      /^fanout\.config\.json: task module \.\/no-such-task\.ts not found \(.+\)$/,
    ],
    [
      'a module that exports no task',
      [fixture('not-a-task.js')],
      /^fanout\.config\.json: .+not-a-task\.js does not export a task made with defineTask$/,
    ],
  ])('stops packaging with one line for %s', async (_what, tasks, line) => {
    // Act
    const run = await slsRun(['package', '--package', join(dir, 'bad-out')], {
      FANOUT_CONFIG: config(`bad-${tasks.length}-${Date.now()}.json`, tasks),
    });
    // Assess
    expect(run.code).not.toBe(0);
    const lines = run.out.split('\n').filter((l) => l.startsWith('fanout.config.json:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });
});
