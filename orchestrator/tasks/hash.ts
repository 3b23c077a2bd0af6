import { createHash } from 'node:crypto';
import { checkIntInRange } from '../options.js';
import { defineTask } from './task.js';

/** Input of the hash task. */
export interface HashInput {
  batches: number;
  rounds: number;
  bytes: number;
}
/** One batch: hash `bytes` of data generated from `index`, then re-hash `rounds` times. */
export interface HashBatch {
  index: number;
  rounds: number;
  bytes: number;
}
/** XOR of the batches' final digests: independent of the order partials arrive in. */
export interface HashResult {
  batches: number;
  xor: string;
}

const ZERO = '0'.repeat(64);

function xorHex(a: string, b: string): string {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) ^ (y[i] as number);
  return x.toString('hex');
}

/** Deterministic pseudo-random data for a batch (so every backend hashes the same bytes). */
function generate(index: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let state = (index * 2654435761 + 1) >>> 0;
  for (let i = 0; i < bytes; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** sha256 chains over generated data: a second CPU-bound workload. */
export const hash = defineTask<HashInput, HashBatch, HashResult, HashResult>({
  name: 'hash',
  description: 'sha256 chains over generated data, --rounds per batch (CPU-bound)',
  options: [
    { name: 'batches', kind: 'positiveInt', description: 'number of batches', default: 16 },
    { name: 'rounds', kind: 'positiveInt', description: 'sha256 rounds per batch', default: 50_000 },
    { name: 'bytes', kind: 'positiveInt', description: 'bytes of generated data per batch', default: 4096 },
  ],
  countBatches: ({ batches }) => batches,
  *split({ batches, rounds, bytes }) {
    for (const [key, value, max] of [
      ['batches', batches, 1e7],
      ['rounds', rounds, 1e9],
      ['bytes', bytes, 1 << 20],
    ] as const) {
      checkIntInRange(key, value, 1, max);
    }
    for (let index = 0; index < batches; index++) yield { index, rounds, bytes };
  },
  map({ index, rounds, bytes }) {
    let digest = createHash('sha256').update(generate(index, bytes)).digest();
    for (let r = 1; r < rounds; r++) digest = createHash('sha256').update(digest).digest();
    return { batches: 1, xor: digest.toString('hex') };
  },
  init: () => ({ batches: 0, xor: ZERO }),
  merge: (acc, p) => ({ batches: acc.batches + p.batches, xor: xorHex(acc.xor, p.xor) }),
});
