/**
 * The work every peer pool runs in the peers benchmark: the same task code fanout's far side runs (the built-in hash
 * and primes tasks' `map`), behind one message shape, so a ratio compares dispatch and not the work.
 */

import { type HashBatch, hash } from '../../orchestrator/tasks/hash.js';
import { countPrimesInRange } from '../../orchestrator/tasks/prime-sieve.js';

/** One unit of work sent to a peer worker. */
export type PeerMessage = { k: 'noop' } | { k: 'hash'; b: HashBatch } | { k: 'primes'; lo: number; hi: number };

/** What a peer worker replies: a number (prime count, 0 for noop) or a hex digest (hash). */
export type PeerReply = number | string;

const NEVER = new AbortController().signal;

/** Runs one message synchronously, as every peer's worker does. */
export function runPeerMessage(m: PeerMessage): PeerReply {
  if (m.k === 'noop') return 0;
  if (m.k === 'primes') return countPrimesInRange(m.lo, m.hi);
  // hash.map is synchronous for the built-in task; the signal is unused by it.
  return (hash.map(m.b, { signal: NEVER } as never) as { xor: string }).xor;
}
