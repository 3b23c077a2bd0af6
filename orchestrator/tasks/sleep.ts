import { setTimeout as delay } from 'node:timers/promises';
import { checkIntInRange } from '../options.js';
import { defineTask } from './task.js';

/** Input of the sleep task. */
export interface SleepInput {
  batches: number;
  ms: number;
}
/** One batch: wait `ms`. */
export interface SleepBatch {
  index: number;
  ms: number;
}
/** What the batches did, merged. */
export interface SleepResult {
  batches: number;
  sleptMs: number;
}

/** Each batch waits `--ms`: an I/O-bound stand-in that measures pure orchestration overhead. */
export const sleep = defineTask<SleepInput, SleepBatch, SleepResult, SleepResult>({
  name: 'sleep',
  description: 'each batch waits --ms milliseconds (I/O-bound stand-in)',
  options: [
    { name: 'batches', kind: 'positiveInt', description: 'number of batches', default: 20 },
    { name: 'ms', kind: 'nonNegativeInt', description: 'milliseconds each batch waits', default: 100 },
  ],
  countBatches: ({ batches }) => batches,
  *split({ batches, ms }) {
    checkIntInRange('batches', batches, 1, 1e7);
    checkIntInRange('ms', ms, 0, 900_000);
    for (let index = 0; index < batches; index++) yield { index, ms };
  },
  async map({ ms }, { signal }) {
    // a 0 ms timer still waits for the next timer tick (~1 ms): 100,000 batches of `--ms 0` would take minutes
    if (ms > 0) await delay(ms, undefined, { signal });
    else signal.throwIfAborted();
    return { batches: 1, sleptMs: ms };
  },
  init: () => ({ batches: 0, sleptMs: 0 }),
  merge: (acc, p) => ({ batches: acc.batches + p.batches, sleptMs: acc.sleptMs + p.sleptMs }),
});
