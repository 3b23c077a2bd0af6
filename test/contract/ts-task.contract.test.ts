import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTask } from '../../orchestrator/bundle/resolve-task.js';
import { FanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import { EMULATED_USER_TASKS, fixtures } from '../helpers/backend-fixtures.js';

/**
 * A user task written in TypeScript (test/fixtures/ts-task: a relative import, an npm dependency, an enum) gives the
 * exact answer and the same typed errors on every backend, lambda and hybrid included: each runs the same bundle.
 * Needs `npm run build` first.
 */

const COLLATZ = EMULATED_USER_TASKS[0] as string;

/** The answer computed here, without the task's code. */
function reference(limit: number): { steps: number; odd: number; longest: { n: number; steps: number } } {
  const out = { steps: 0, odd: 0, longest: { n: 0, steps: -1 } };
  for (let start = 1; start <= limit; start++) {
    let steps = 0;
    for (let n = start; n !== 1; steps++) n = n % 2 === 0 ? n / 2 : 3 * n + 1;
    out.steps += steps;
    if (start % 2 === 1) out.odd++;
    if (steps > out.longest.steps) out.longest = { n: start, steps };
  }
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), 'fanout-ts-task-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(fixtures)('TypeScript user task: $name', (fixture) => {
  it('gives the exact answer (relative import, npm dependency, enum)', async () => {
    // Prepare
    const backend = await fixture.make();
    await backend.start({ task: (await resolveTask(COLLATZ)).ref });
    try {
      // Act
      const { result, stats } = await fanout(COLLATZ, { limit: 3000 }, { backend, batchSize: 250 });
      // Assess
      expect(result).toEqual(reference(3000));
      expect(stats.batches).toBe(12);
    } finally {
      await backend.stop();
    }
  });

  it('fails a throwing batch with the same ETASK and the task message, after its retries', async () => {
    // Prepare
    const backend = await fixture.make();
    await backend.start({ task: (await resolveTask(COLLATZ)).ref });
    try {
      // Act
      const run = fanout(COLLATZ, { limit: 2000, fail: 1100 }, { backend, batchSize: 250, retries: 1 });
      // Assess
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FanoutError);
      expect(err).toMatchObject({ code: 'ETASK', message: 'batch 4 failed after 2 attempts: collatz refuses 1100' });
    } finally {
      await backend.stop();
    }
  });

  it.runIf(fixture.name === 'lambda')(
    'answers EVERSION, not a crash, for a task the function never heard of',
    async () => {
      // Prepare: a task module the emulator was not built with
      const file = join(tmp, 'stranger.ts');
      writeFileSync(
        file,
        "import { defineTask } from 'fanout';\nexport default defineTask({ name: 'stranger', split: () => [1], map: (b: number) => b, init: () => 0, merge: (a: number, p: number) => a + p });\n",
      );
      const backend = await fixture.make();
      await backend.start({ task: (await resolveTask(file)).ref });
      try {
        // Act
        const err = await fanout(file, {}, { backend, retries: 2 }).catch((e: unknown) => e);
        // Assess: one attempt, never retried, naming what the function has
        expect(err).toMatchObject({ code: 'EVERSION', retryable: false });
        expect((err as Error).message).toMatch(
          /^the worker function has no task `stranger` \(it has primes, sleep, hash, fault, wordcount, collatz\): redeploy \(npx sls deploy\) or restart the emulator$/,
        );
      } finally {
        await backend.stop();
      }
    },
  );
});

describe('TypeScript user task through the library API', () => {
  it('runs from a .ts module path with a backend name, and from the task object the bundle exports', async () => {
    // Act
    const byPath = await fanout(COLLATZ, { limit: 1500 }, { backend: 'process', workers: 2 });
    const { task } = await resolveTask(COLLATZ);
    const byObject = await fanout(task, { limit: 1500 }, { backend: 'thread', workers: 2 });
    // Assess
    expect(byPath.result).toEqual(reference(1500));
    expect(byObject.result).toEqual(reference(1500));
  });
});
