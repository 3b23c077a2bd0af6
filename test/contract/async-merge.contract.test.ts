import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanout } from '../../orchestrator/fanout.js';
import { primes } from '../../orchestrator/tasks/primes.js';
import type { TaskRef } from '../../orchestrator/tasks/task.js';
import { emulatorEndpoint, fixtures } from '../helpers/backend-fixtures.js';

/**
 * A task whose `merge` is async, the way a user merging into a file or a database writes it, on every backend: the far
 * side runs the built-in primes map (Lambda too: it only runs built-ins), the caller's merge appends each partial to a
 * file and awaits before it returns the new state. Merges must run one at a time, each batch once, and give the same
 * answer as the synchronous merge.
 */

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-async-merge-'));
  // the emulator takes seconds to start (more on a loaded machine): under the hook's timeout, not a test's
  await emulatorEndpoint();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** primes with a merge that appends `batch-id count` lines to `file`, and records how many merges ever overlapped. */
function fileMergingPrimes(file: string) {
  const seen = { active: 0, maxActive: 0, merges: 0 };
  const task = {
    ...primes,
    async merge(acc: { count: number }, p: { count: number }) {
      seen.active++;
      seen.maxActive = Math.max(seen.maxActive, seen.active);
      const before = acc.count;
      await appendFile(file, `${p.count}\n`);
      await delay(2); // a slow store: a second merge would read `before` stale if it ran now
      seen.active--;
      seen.merges++;
      return { count: before + p.count };
    },
  };
  return { task, seen };
}

const ref: TaskRef = { kind: 'builtin', name: 'primes' };

describe.each(fixtures)('async merge: $name', (fixture) => {
  it('merges one at a time, each batch once, with the same answer as the synchronous merge', async () => {
    // Prepare: π(2·10^5) = 17984, in 20 batches
    const file = join(dir, `${fixture.name}.txt`);
    const { task, seen } = fileMergingPrimes(file);
    const backend = await fixture.make();
    await backend.start({ task: ref });

    // Act
    const { result, stats } = await fanout(task, { limit: 200_000 }, { backend, batchSize: 10_000 }).finally(() =>
      backend.stop(),
    );

    // Assess
    expect(result).toEqual({ count: 17_984 });
    expect(stats.batches).toBe(20);
    expect(seen.merges).toBe(20);
    expect(seen.maxActive).toBe(1);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map(Number);
    expect(lines).toHaveLength(20);
    expect(lines.reduce((a, b) => a + b, 0)).toBe(17_984);
  });
});
