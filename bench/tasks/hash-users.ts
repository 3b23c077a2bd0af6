// A CPU-bound user task: for each user, derive a password hash (PBKDF2) and compress a profile record (deflate), the
// shape of a sign-up import. The bench runs it as a user task module on the process, Lambda and hybrid backends.
import { pbkdf2Sync } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { defineTask } from 'fanout';

/** Input: how many users to hash, and PBKDF2 iterations per user. */
export interface HashUsersInput {
  users: number;
  iterations?: number;
}
/** One batch: users [from, to). */
interface UserRange {
  from: number;
  to: number;
  iterations: number;
}
/** Users processed and a checksum of their hashes and compressed sizes (exact whatever the split). */
interface HashSum {
  users: number;
  checksum: number;
}

const USERS_PER_BATCH = 25;

export default defineTask<HashUsersInput, UserRange, HashSum, HashSum>({
  name: 'hash-users',
  description: 'PBKDF2 + deflate per user (CPU-bound user task)',
  *split({ users, iterations = 20_000 }, ctx) {
    const size = ctx.batchSize ?? USERS_PER_BATCH;
    for (let from = 0; from < users; from += size) yield { from, to: Math.min(users, from + size), iterations };
  },
  map({ from, to, iterations }) {
    let checksum = 0;
    for (let i = from; i < to; i++) {
      const hash = pbkdf2Sync(`password-${i}`, `salt-${i}`, iterations, 32, 'sha256');
      const profile = JSON.stringify({ id: i, name: `user ${i}`, hash: hash.toString('hex'), tags: ['a', 'b', i % 7] });
      checksum = (checksum + hash.readUInt32LE(0) + deflateSync(profile).length) % 2 ** 32;
    }
    return { users: to - from, checksum };
  },
  init: () => ({ users: 0, checksum: 0 }),
  merge: (acc, p) => ({ users: acc.users + p.users, checksum: (acc.checksum + p.checksum) % 2 ** 32 }),
});
