import { describe, expect, it } from 'vitest';
import type { FromFarSide, ToFarSide } from '../../../orchestrator/far-side/pool-messages.js';
import { serveBatches } from '../../../orchestrator/far-side/serve-loop.js';
import { BUILTIN_TASKS_VERSION } from '../../../orchestrator/tasks/registry.js';

describe('the far-side serve loop of threads and child processes', () => {
  it('queues runs that arrive while a batch runs and serves them one at a time in arrival order, saying started', async () => {
    // Prepare: a port that records what the far side sends
    // (a result and the next batch's `started` may travel together in one `replies` message: flatten them)
    const sent: FromFarSide[] = [];
    let deliver: (msg: ToFarSide) => void = () => {};
    const done = new Promise<void>((resolve) => {
      void serveBatches({ kind: 'builtin', name: 'sleep' }, 'process', {
        send: (msg) => {
          if (msg.type === 'replies') sent.push(...msg.replies);
          else sent.push(msg);
          if (sent.filter((m) => m.type === 'result').length === 3) resolve();
        },
        onMessage: (handler) => {
          deliver = handler;
        },
      });
    });
    await new Promise((r) => setTimeout(r, 20));
    // Act: three runs at once, the first the slowest
    deliver({ type: 'run', seq: 1, batch: { ms: 60 }, batchId: 'a' });
    deliver({ type: 'run', seq: 2, batch: { ms: 1 }, batchId: 'b' });
    deliver({ type: 'run', seq: 3, batch: { ms: 1 }, batchId: 'c' });
    await done;
    // Assess: ready, then each batch started only after the previous one's result
    expect(sent.map((m) => ('seq' in m ? `${m.type} ${m.seq}` : m.type))).toEqual([
      'ready',
      'started 1',
      'result 1',
      'started 2',
      'result 2',
      'started 3',
      'result 3',
    ]);
  });
});

describe('the version check of the serve loop', () => {
  it('refuses a run of another task version with a final EVERSION and serves its own', async () => {
    // Prepare: a far side that loaded the built-in sleep (built-ins are at fanout's own version)
    const sent: FromFarSide[] = [];
    let deliver: (msg: ToFarSide) => void = () => {};
    const done = new Promise<void>((resolve) => {
      void serveBatches({ kind: 'builtin', name: 'sleep' }, 'thread', {
        send: (msg) => {
          sent.push(...(msg.type === 'replies' ? msg.replies : [msg]));
          if (sent.filter((m) => m.type === 'result' || m.type === 'error').length === 2) resolve();
        },
        onMessage: (handler) => {
          deliver = handler;
        },
      });
    });
    await new Promise((r) => setTimeout(r, 20));
    // Act
    deliver({
      type: 'runs',
      runs: [
        { seq: 1, batch: { ms: 1 }, batchId: 'a', version: 'fanout-0.0.1' },
        { seq: 2, batch: { ms: 1 }, batchId: 'b', version: BUILTIN_TASKS_VERSION },
      ],
    });
    await done;
    // Assess
    const error = sent.find((m) => m.type === 'error');
    expect(error).toMatchObject({
      seq: 1,
      error: {
        code: 'EVERSION',
        retryable: false,
        message: `this worker thread has task sleep at ${BUILTIN_TASKS_VERSION}, this run has fanout-0.0.1: start a new backend for this task`,
      },
    });
    expect(sent.find((m) => m.type === 'result')).toMatchObject({ seq: 2, result: { partial: { batches: 1 } } });
  });
});
