import { describe, expect, it } from 'vitest';
import { isFanoutError } from '../../../orchestrator/errors.js';
import { sampleTask } from '../../../orchestrator/plan/task-sample.js';
import { defineTask } from '../../../orchestrator/tasks/task.js';

const sized = (requestBytes: number, replyBytes: number) =>
  defineTask<{ n: number }, { pad: string }, { pad: string }, number>({
    name: 'sized',
    *split({ n }) {
      for (let i = 0; i < n; i++) yield { pad: 'x'.repeat(requestBytes) };
    },
    map: () => ({ pad: 'y'.repeat(replyBytes) }),
    init: () => 0,
    merge: (acc) => acc + 1,
  });

describe('sampleTask', () => {
  it('measures sizes and times of the first batches (one warm-up untimed)', async () => {
    const task = sized(1000, 2000);
    const s = await sampleTask({ task, ref: { kind: 'builtin', name: 'sized' }, input: { n: 10 }, batches: 3 });
    expect(s.sampled).toBe(3);
    expect(s.localBatchMs).toHaveLength(3);
    // the event wraps the batch: {"task":"sized","batchId":"0","batch":{"pad":"xxx…"}}
    expect(s.requestBytes).toBe(
      JSON.stringify({ task: 'sized', batchId: '0', batch: { pad: 'x'.repeat(1000) } }).length,
    );
    expect(s.responseBytes).toBeGreaterThan(2000);
    expect(s.coldStartMs).toBeGreaterThan(0);
    expect(s.coldStartSource).toContain('local process');
    expect(s.invokeOverheadMs).toBe(0);
  }, 30_000);

  it('refuses a batch whose event is over the 6 MB synchronous payload, naming the size', async () => {
    const task = sized(6 * 1024 * 1024 + 1, 10);
    const err = await sampleTask({ task, ref: { kind: 'builtin', name: 'sized' }, input: { n: 2 }, batches: 1 }).catch(
      (e: unknown) => e,
    );
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toMatch(/Sampled batch 0 has a \d+-byte request, over Lambda's 6291456-byte/);
  });

  it('refuses a reply over 6 MB too', async () => {
    const task = sized(10, 6 * 1024 * 1024);
    const err = await sampleTask({ task, ref: { kind: 'builtin', name: 'sized' }, input: { n: 2 }, batches: 1 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain('-byte response');
  });
});
