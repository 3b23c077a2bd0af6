import { setTimeout as delay } from 'node:timers/promises';
import { checkIntInRange } from '../options.js';
import { defineTask } from './task.js';

/** Input of the fault-injection task. */
export interface FaultInput {
  batches: number;
  ms: number;
  /** Batch index whose map throws (-1: none). */
  failOn: number;
}
/** One batch of the fault task. */
export interface FaultBatch {
  index: number;
  ms: number;
  fail: boolean;
}
/** Sum of batch indexes seen: exact only if every batch merged once. */
export interface FaultResult {
  batches: number;
  indexSum: number;
}

/** Fault injection for tests and demos: batch `--fail-on` throws `injected failure in batch <i>`. */
export const fault = defineTask<FaultInput, FaultBatch, FaultResult, FaultResult>({
  name: 'fault',
  description: 'fault injection: batch --fail-on throws (for tests and demos)',
  options: [
    { name: 'batches', kind: 'positiveInt', description: 'number of batches', default: 8 },
    { name: 'ms', kind: 'nonNegativeInt', description: 'milliseconds each batch waits first', default: 10 },
    { name: 'fail-on', kind: 'nonNegativeInt', description: 'index of the batch that throws', default: 0 },
  ],
  countBatches: ({ batches }) => batches,
  *split({ batches, ms, failOn }) {
    checkIntInRange('batches', batches, 1, 1e7);
    for (let index = 0; index < batches; index++) yield { index, ms, fail: index === failOn };
  },
  async map({ index, ms, fail }, { signal }) {
    if (ms > 0) await delay(ms, undefined, { signal });
    if (fail) throw new Error(`injected failure in batch ${index}`);
    return { batches: 1, indexSum: index };
  },
  init: () => ({ batches: 0, indexSum: 0 }),
  merge: (acc, p) => ({ batches: acc.batches + p.batches, indexSum: acc.indexSum + p.indexSum }),
});
