import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import { fixtures } from '../helpers/backend-fixtures.js';

/**
 * User-defined tasks (a module exporting a task made with defineTask) run unchanged on every local backend, given by
 * path or as the task object. Needs `npm run build` first: the fixture module imports defineTask from dist/.
 */

const squaresPath = fileURLToPath(new URL('../fixtures/squares-task.js', import.meta.url));
const notATaskPath = fileURLToPath(new URL('../fixtures/not-a-task.js', import.meta.url));
const hangPath = fileURLToPath(new URL('../fixtures/hang-task.js', import.meta.url));
const misbehavingPath = fileURLToPath(new URL('../fixtures/misbehaving-task.js', import.meta.url));
const distIndex = new URL('../../dist/orchestrator/index.js', import.meta.url).href;

/** Σ k² for 0 ≤ k < n. */
const sumOfSquares = (n: number): number => ((n - 1) * n * (2 * n - 1)) / 6;

interface Squares {
  sum: number;
  pids: number[];
}

describe.each(fixtures.filter((f) => f.userModules))('user task module: $name', (fixture) => {
  const backendName = fixture.name as 'inline' | 'thread' | 'process';

  it('runs a task module given by path', async () => {
    // Act
    const { result, stats } = await fanout<Squares>(squaresPath, { n: 1000 }, { backend: backendName, workers: 2 });
    // Assess
    expect(result.sum).toBe(sumOfSquares(1000));
    expect(stats.batches).toBe(10);
    // inline maps in this process; a process backend maps in children
    if (backendName === 'inline' || backendName === 'thread') expect(result.pids).toEqual([process.pid]);
    else expect(result.pids).not.toContain(process.pid);
  });

  it('runs the task object, found again on the far side through the file defineTask captured', async () => {
    // Prepare: the fixture imports defineTask from dist/, so use dist's fanout too (one module instance).
    const api = (await import(distIndex)) as typeof import('../../orchestrator/index.js');
    const mod = (await import(squaresPath)) as { default: Parameters<typeof api.fanout>[0] };
    // Act
    const { result } = await api.fanout<Squares>(mod.default, { n: 2000 }, { backend: backendName, batchSize: 150 });
    // Assess
    expect(result.sum).toBe(sumOfSquares(2000));
  });

  it('ends a map that never settles with ETIMEOUT after --timeout (inline too: no silent exit)', async () => {
    // Act: before the fix, inline never settled; the CLI then exited 13 with no message once the timer was gone
    const run = fanout(hangPath, {}, { backend: backendName, workers: 1, timeoutMs: 300, retries: 0 });
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'ETIMEOUT', message: 'batch 0 timed out after 300 ms' });
  });

  it.each([
    ['bigint', 'partial.n is a BigInt'],
    ['cycle', 'partial.self is a cycle (it is partial again)'],
    ['function', 'partial is a function'],
    ['nested-function', 'partial.f.g is a function'],
    ['date', 'partial.items[3].when is a Date'],
    ['map', 'partial.seen is a Map'],
    ['nan', 'partial.ratio is NaN'],
    ['infinity', 'partial.ratio[1] is Infinity'],
    ['undefined-in-array', 'partial.list[1] is undefined'],
  ])('fails a %s partial with the same final ETASK, naming the task, the batch and the path', async (mode, why) => {
    // Act
    const run = fanout(misbehavingPath, { mode }, { backend: backendName, workers: 1, retries: 2 });
    // Assess: one line, the same on every backend (it used to pass inline and fail only when printed, or in a clone)
    await expect(run).rejects.toMatchObject({
      code: 'ETASK',
      message: `batch 0 failed after 1 attempt: map of task \`misbehaving-task\` returned a partial that is not JSON for batch 0: ${why}`,
      retryable: false,
    });
  });

  it.each([
    ['split-throws', 'split of task `misbehaving-task` failed: split broke at item 2'],
    ['split-not-iterable', 'split of task `misbehaving-task` must return an iterable of batches, got `number`'],
  ])('reports a broken split (%s) as ETASK naming the task, not as a fanout bug', async (mode, message) => {
    // Act
    const run = fanout(misbehavingPath, { mode }, { backend: backendName, workers: 1 });
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'ETASK', message, retryable: false });
  });

  it('rejects a module that exports no task with EINPUT naming the module', async () => {
    const run = fanout(notATaskPath, {}, { backend: backendName, workers: 2 });
    await expect(run).rejects.toBeInstanceOf(FanoutError);
    await expect(run).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringContaining('not-a-task.js') });
  });
});
