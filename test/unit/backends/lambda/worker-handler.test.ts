import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../../../functions/worker.js';
import { BUILTIN_TASKS_VERSION } from '../../../../orchestrator/tasks/registry.js';

describe('functions/worker handler', () => {
  it('runs a built-in task by name and returns the partial with its measurements', async () => {
    // Act
    const reply = await handler({ task: 'primes', batchId: 'b1', batch: { lo: 0, hi: 1_000_000 } });
    // Assess: the file's first invoke is the instance's cold start and carries its INIT time (process start → now)
    expect(reply).toMatchObject({ batchId: 'b1', partial: { count: 78498 }, coldStart: true });
    expect(reply.initMs).toBeGreaterThan(0);
    expect(reply.initMs).toBeLessThanOrEqual(performance.now());
    expect(reply.instanceId).toMatch(/^[0-9a-f]{8}$/);
    expect(typeof reply.cpuMs).toBe('number');
    expect(typeof reply.durationMs).toBe('number');
  });

  it("runs built-ins at fanout's own version (package.json)", async () => {
    // Act
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    // Assess
    expect(BUILTIN_TASKS_VERSION).toBe(`fanout-${pkg.version}`);
  });

  it('reports a cold start only on the first invoke of the instance', async () => {
    // Prepare: a fresh copy of the module is a fresh execution environment (the one imported above already ran)
    vi.resetModules();
    const fresh = (await import('../../../../functions/worker.js')).handler;
    // Act
    const a = await fresh({ task: 'primes', batchId: 'x', batch: { lo: 0, hi: 10 } });
    const b = await fresh({ task: 'primes', batchId: 'y', batch: { lo: 0, hi: 10 } });
    const other = await handler({ task: 'primes', batchId: 'z', batch: { lo: 0, hi: 10 } });
    // Assess
    expect(a.coldStart).toBe(true);
    expect(b.coldStart).toBe(false);
    expect(a.initMs).toBeGreaterThan(0);
    expect(b.initMs).toBeUndefined();
    expect(a.instanceId).toBe(b.instanceId);
    expect(other.instanceId).not.toBe(a.instanceId);
  });

  it('refuses a reply over the 6 MB response limit as a final EPAYLOAD, as Lambda would', async () => {
    // Prepare: 600,000 distinct 8-letter words make a counts partial of about 9 MB
    const words: string[] = [];
    for (let i = 0; i < 600_000; i++) {
      let w = '';
      for (let n = i, k = 0; k < 8; k++, n = Math.floor(n / 26)) w += String.fromCharCode(97 + (n % 26));
      words.push(w);
    }
    const batch = { docs: [{ url: 'http://127.0.0.1/big', text: words.join(' ') }] };
    // Act
    const err = await handler({ task: 'wordcount', batchId: '7', batch }).catch((e: unknown) => e);
    // Assess
    expect((err as Error).name).toBe('FanoutError.EPAYLOAD.final');
    expect((err as Error).message).toMatch(
      /^reply of batch 7 is \d+ bytes, over Lambda's 6291456-byte response limit$/,
    );
  });

  it('rejects a malformed event with a final EREMOTE naming the fields', async () => {
    // Act
    const err = await handler({ task: 3, batch: { lo: 0, hi: 1 } }).catch((e: unknown) => e);
    // Assess
    expect((err as Error).name).toBe('FanoutError.EREMOTE.final');
    expect((err as Error).message).toBe(
      'Invalid worker event, expected { task, version?, batchId, batch | batchObject }: task: expected string; batchId: expected string',
    );
  });

  it('answers EVERSION for a task it never heard of, never loading code from the event', async () => {
    // Act
    const err = await handler({ task: './evil.js', batchId: '1', batch: {} }).catch((e: unknown) => e);
    // Assess
    expect((err as Error).name).toBe('FanoutError.EVERSION.final');
    expect((err as Error).message).toBe(
      'the worker function has no task `./evil.js` (it has primes, sleep, hash, fault, wordcount): redeploy (npx sls deploy) or restart the emulator',
    );
  });

  it('answers EVERSION for a built-in at another version, and runs it at its own', async () => {
    // Act
    const stale = await handler({
      task: 'primes',
      version: 'fanout-0.0.1',
      batchId: '1',
      batch: { lo: 0, hi: 10 },
    }).catch((e: unknown) => e);
    const fresh = await handler({
      task: 'primes',
      version: BUILTIN_TASKS_VERSION,
      batchId: '2',
      batch: { lo: 0, hi: 10 },
    });
    // Assess
    expect((stale as Error).name).toBe('FanoutError.EVERSION.final');
    expect((stale as Error).message).toBe(
      `the worker function has task primes at ${BUILTIN_TASKS_VERSION}, this run has fanout-0.0.1: redeploy (npx sls deploy) or restart the emulator`,
    );
    expect(fresh.partial).toEqual({ count: 4 });
  });

  it('rethrows a task failure as ETASK with the task message and a trace head naming it', async () => {
    // Act
    const err = await handler({ task: 'fault', batchId: '3', batch: { index: 3, ms: 0, fail: true } }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect((err as Error).name).toBe('FanoutError.ETASK');
    expect((err as Error).message).toBe('injected failure in batch 3');
    expect((err as Error).stack?.split('\n')[0]).toBe('FanoutError.ETASK: injected failure in batch 3');
  });
});
