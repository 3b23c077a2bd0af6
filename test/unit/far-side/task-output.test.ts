import { describe, expect, it } from 'vitest';
import { captureTaskOutput, TASK_OUTPUT_CAP_BYTES, taskOutputOf } from '../../../orchestrator/far-side/task-output.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('capturing what a batch prints', () => {
  it('files every write under the batch whose async context made it, while batches interleave in one thread', async () => {
    // Act: three maps overlap, each printing a line per turn of the event loop, every way a task can
    const batch = async (name: string): Promise<string> => {
      for (let j = 0; j < 4; j++) {
        if (j === 0) console.log('%s line %d', name, j);
        else if (j === 1) process.stdout.write(Buffer.from(`${name} line ${j}\n`));
        else if (j === 2) console.error(`${name} line ${j}`);
        else process.stderr.write(`${name} line ${j}\n`);
        await turn();
      }
      return name;
    };
    const runs = await Promise.all(['a', 'b', 'c'].map((n) => captureTaskOutput(() => batch(n))));
    // Assess
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      expect(runs[i]?.value).toBe(name);
      expect(runs[i]?.output).toEqual({ text: [0, 1, 2, 3].map((j) => `${name} line ${j}\n`).join('') });
    }
  });

  it('never gives a batch what an earlier batch left behind (a timer firing after it answered)', async () => {
    // Prepare: batch 1 leaves a timer that prints once batch 2 is running
    let lateFired!: () => void;
    const late = new Promise<void>((resolve) => {
      lateFired = resolve;
    });
    const first = await captureTaskOutput(async () => {
      console.log('first');
      setTimeout(() => {
        console.log('late line from the first batch');
        lateFired();
      }, 5);
    });
    // Act
    const second = await captureTaskOutput(async () => {
      console.log('second, before');
      await late;
      console.log('second, after');
    });
    // Assess
    expect(first.output).toEqual({ text: 'first\n' });
    expect(second.output).toEqual({ text: 'second, before\nsecond, after\n' });
  });

  it('keeps the first 8 KB of a batch, never half a character, and counts the bytes it cut', async () => {
    // Act: 4-byte characters across the cap, then more
    const { output } = await captureTaskOutput(async () => {
      process.stdout.write('a'.repeat(TASK_OUTPUT_CAP_BYTES - 2));
      process.stdout.write('😀😀');
      console.log('x'.repeat(1000));
    });
    // Assess
    expect(output?.text).toBe('a'.repeat(TASK_OUTPUT_CAP_BYTES - 2));
    expect(output?.cutBytes).toBe(8 + 1001);
  });

  it('has no output for a batch that prints nothing', async () => {
    // Act
    const run = await captureTaskOutput(async () => 42);
    // Assess
    expect(run).toEqual({ value: 42 });
  });

  it("sends a failed batch's output with its error, a thrown string included", async () => {
    // Act
    const thrown = await captureTaskOutput(async () => {
      console.log('before the throw');
      throw new TypeError('bad row');
    }).catch((e: unknown) => e);
    const stringThrown = await captureTaskOutput(async () => {
      console.log('then a string');
      throw 'plain';
    }).catch((e: unknown) => e);
    const silent = await captureTaskOutput(async () => {
      throw new Error('quiet');
    }).catch((e: unknown) => e);
    // Assess
    expect(thrown).toBeInstanceOf(TypeError);
    expect(taskOutputOf(thrown)).toEqual({ text: 'before the throw\n' });
    expect((stringThrown as Error).message).toBe('plain');
    expect(taskOutputOf(stringThrown)).toEqual({ text: 'then a string\n' });
    expect(taskOutputOf(silent)).toBeUndefined();
  });
});

describe('capturing a synchronous map (no async context needed)', () => {
  it('files what it writes during the call, and what an async map writes after its first await nowhere', async () => {
    // Prepare: the far side believes the map is synchronous
    const shape = { sync: true };
    // Act
    const sync = await captureTaskOutput(async () => {
      console.log('sync line');
      process.stderr.write('sync raw\n');
      return 1;
    }, shape);
    const turnedAsync = await captureTaskOutput(async () => {
      console.log('before the await');
      await turn();
      console.log('after the await: not this batch for sure, so not filed under it');
      return 2;
    }, shape);
    const isolated = await captureTaskOutput(async () => {
      await turn();
      console.log('after an await, isolated');
      return 3;
    });
    // Assess
    expect(sync).toEqual({ value: 1, output: { text: 'sync line\nsync raw\n' } });
    expect(turnedAsync).toEqual({ value: 2, output: { text: 'before the await\n' } });
    expect(isolated).toEqual({ value: 3, output: { text: 'after an await, isolated\n' } });
  });
});
