import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/worker.js';

describe('functions/worker handler', () => {
  it('runs a built-in task by name and returns the partial with its measurements', async () => {
    // Act
    const reply = await handler({ task: 'primes', batchId: 'b1', batch: { lo: 0, hi: 1_000_000 } });
    // Assess
    expect(reply).toMatchObject({ batchId: 'b1', partial: { count: 78498 } });
    expect(reply.instanceId).toMatch(/^[0-9a-f]{8}$/);
    expect(typeof reply.cpuMs).toBe('number');
    expect(typeof reply.durationMs).toBe('number');
  });

  it('reports a cold start only on the first invoke of the instance', async () => {
    // Prepare: a fresh copy of the module is a fresh execution environment (the one imported above already ran)
    vi.resetModules();
    const fresh = (await import('../../../functions/worker.js')).handler;
    // Act
    const a = await fresh({ task: 'primes', batchId: 'x', batch: { lo: 0, hi: 10 } });
    const b = await fresh({ task: 'primes', batchId: 'y', batch: { lo: 0, hi: 10 } });
    const other = await handler({ task: 'primes', batchId: 'z', batch: { lo: 0, hi: 10 } });
    // Assess
    expect(a.coldStart).toBe(true);
    expect(b.coldStart).toBe(false);
    expect(a.instanceId).toBe(b.instanceId);
    expect(other.instanceId).not.toBe(a.instanceId);
  });

  it('refuses a reply over the 6 MB response limit with ResponseTooLargeError, as Lambda would', async () => {
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
    expect((err as Error).name).toBe('ResponseTooLargeError');
    expect((err as Error).message).toMatch(
      /^reply of batch 7 is \d+ bytes, over Lambda's 6291456-byte response limit$/,
    );
  });

  it('rejects a malformed event with InvalidEventError naming the fields', async () => {
    // Act
    const err = await handler({ task: 3, batch: { lo: 0, hi: 1 } }).catch((e: unknown) => e);
    // Assess
    expect((err as Error).name).toBe('InvalidEventError');
    expect((err as Error).message).toBe(
      'Invalid worker event, expected { task, batchId, batch }: task: expected string; batchId: expected string',
    );
  });

  it('rejects an unknown task by name, never loading code from the event', async () => {
    // Act
    const err = await handler({ task: './evil.js', batchId: '1', batch: {} }).catch((e: unknown) => e);
    // Assess
    expect((err as Error).name).toBe('UnknownTaskError');
    expect((err as Error).message).toContain('Unknown task `./evil.js`');
  });

  it('rethrows a task failure as TaskError with the task message and a trace head naming it', async () => {
    // Act
    const err = await handler({ task: 'fault', batchId: '3', batch: { index: 3, ms: 0, fail: true } }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect((err as Error).name).toBe('TaskError');
    expect((err as Error).message).toBe('injected failure in batch 3');
    expect((err as Error).stack?.split('\n')[0]).toBe('TaskError: injected failure in batch 3');
  });
});
