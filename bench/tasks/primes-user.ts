// The built-in primes task's own code, as a user task module: the bench compares it with the built-in to measure what
// being a user task costs (bundle lookup, loading the bundle, the version check).
import { defineTask } from 'fanout';
import { primes } from '../../orchestrator/tasks/primes.js';

export default defineTask({ ...primes, name: 'primes-user' });
