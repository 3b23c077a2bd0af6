import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { fanout } from '../../orchestrator/fanout.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout-journal-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('library API: the same bounds and the same journal as the CLI', () => {
  it('workers above 4 × cores is one EINPUT naming the option', async () => {
    const max = 4 * availableParallelism();
    await expect(fanout('primes', { limit: 1000 }, { backend: 'process', workers: max + 1 })).rejects.toMatchObject({
      code: 'EINPUT',
      message: `Expected \`workers\` to be an integer from 1 to ${max} (4 × ${availableParallelism()} cores), got \`${max + 1}\``,
    });
    expect(() => new ProcessBackend({ workers: 10_000 })).toThrow(/Expected `workers` to be an integer from 1 to/);
  });

  it('an aborted journaled run, resumed, gives the uninterrupted answer and counts what it took', async () => {
    // Prepare: primes below 2·10^6 in 40 batches, inline; abort after 10 merges
    const journal = join(dir, 'primes.journal');
    const opts = { backend: 'inline' as const, batchSize: 50_000 };
    const abort = new AbortController();
    const first = fanout(
      'primes',
      { limit: 2_000_000 },
      {
        ...opts,
        journal,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.done >= 10) abort.abort();
        },
      },
    );
    const failure = await first.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'ECANCEL' });
    // Act
    const resumed = await fanout('primes', { limit: 2_000_000 }, { ...opts, resumeFrom: journal });
    const whole = await fanout('primes', { limit: 2_000_000 }, opts);
    // Assess: π(2·10^6) = 148933
    expect(resumed.result).toEqual({ count: 148_933 });
    expect(resumed.result).toEqual(whole.result);
    expect(resumed.stats.resumed).toBeGreaterThanOrEqual(10);
    expect((resumed.stats.resumed ?? 0) + resumed.stats.batches).toBe(40);
    expect(whole.stats.resumed).toBeUndefined();
  });
});
