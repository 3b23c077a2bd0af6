import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../../orchestrator/cli/package-version.js';
import { ProgressBar } from '../../../orchestrator/cli/progress-bar.js';
import { attemptLine } from '../../../orchestrator/cli/verbose-lines.js';
import { fanout } from '../../../orchestrator/fanout.js';
import { count } from '../../../orchestrator/plural.js';
import type { SchedulerProgress } from '../../../orchestrator/scheduler/scheduler.js';
import { primes } from '../../../orchestrator/tasks/primes.js';

/** A stand-in for a TTY stderr that keeps what was written. */
function fakeTty(): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = {
    isTTY: true,
    write: (s: string) => {
      out += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

describe('progress total', () => {
  it('is known from the first progress call of a countable task, and the bar shows it', async () => {
    // Prepare
    const seen: SchedulerProgress[] = [];
    const tty = fakeTty();
    const bar = new ProgressBar(tty.stream, true);

    // Act: 1,000,000 / 100,000 = 10 ranges
    await fanout(
      'primes',
      { limit: 1_000_000 },
      {
        backend: 'inline',
        batchSize: 100_000,
        onProgress: (p) => {
          seen.push(p);
          bar.update(p);
        },
      },
    );

    // Assess
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.total === 10)).toBe(true);
    expect(tty.text()).toMatch(/\] \d+\/10 batches · /);
    expect(tty.text()).not.toContain('/?');
  });

  it("agrees with primes' split for any limit, batch size and worker count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.option(fc.integer({ min: 1_000, max: 2_000_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 64 }),
        (limit, batchSize, workers) => {
          const ctx = { batchSize, workers };
          expect(primes.countBatches?.({ limit }, ctx)).toBe(
            [...(primes.split({ limit }, ctx) as Iterable<unknown>)].length,
          );
        },
      ),
    );
  });

  it('stays "?" for a task that cannot count, and reads "1 batch" for one', () => {
    // Prepare
    const tty = fakeTty();
    const bar = new ProgressBar(tty.stream, true);

    // Act
    bar.update({ done: 3, total: undefined, inFlight: 2, retries: 1 });
    const unknown = tty.text();
    bar.log('a line');
    bar.update({ done: 1, total: 1, inFlight: 0, retries: 0 });

    // Assess
    expect(unknown).toContain('3/? batches · 2 in flight · 1 retry ·');
    expect(tty.text()).toContain('\r\x1b[2Ka line\n');
    expect(tty.text()).toContain('1/1 batch · 0 in flight · 0 retries ·');
  });
});

describe('counts in text', () => {
  it('uses the singular for exactly one', () => {
    expect(count(1, 'batch', 'batches')).toBe('1 batch');
    expect(count(0, 'batch', 'batches')).toBe('0 batches');
    expect(count(2, 'retry', 'retries')).toBe('2 retries');
    expect(count(12_000, 'attempt')).toBe('12,000 attempts');
  });
});

describe('--version', () => {
  it('reads the version of the nearest package.json named fanout, at run time', () => {
    // Prepare: a fake install, the module two levels below its package.json (as in the sources)
    const root = mkdtempSync(join(tmpdir(), 'fanout-version-'));
    mkdirSync(join(root, 'orchestrator', 'cli'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fanout', version: '9.8.7-test' }));
    writeFileSync(join(root, 'orchestrator', 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));

    // Act
    const v = packageVersion(join(root, 'orchestrator', 'cli', 'program.js'));

    // Assess: the `other` package.json on the way up is skipped
    expect(v).toBe('9.8.7-test');
  });
});

describe('--verbose attempt lines', () => {
  it('names batch, worker, attempt, ms and the error; fetches are left out', () => {
    const base = {
      batchId: '7',
      attempt: 2,
      backend: 'hybrid',
      side: 'lambda',
      workerId: 'lambda-ab12',
      startMs: 100,
      endMs: 142.4,
      stage: 'cpu',
    };
    expect(attemptLine({ ...base, status: 'error', error: 'boom\nstack', errorCode: 'ETASK' })).toBe(
      'batch 7 · lambda-ab12 · attempt 2 · 42 ms · error ETASK: boom',
    );
    expect(attemptLine({ ...base, status: 'ok', coldStart: true }, 'hybrid')).toBe(
      'batch 7 · hybrid/lambda-ab12 · attempt 2 · 42 ms · ok · cold',
    );
    expect(attemptLine({ ...base, stage: 'fetch', status: 'ok' })).toBeUndefined();
  });
});
