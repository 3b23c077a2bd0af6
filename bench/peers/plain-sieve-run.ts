/** Runs two plain node processes (bench/peers/plain-sieve.ts), each sieving half of [0, limit), at the same time. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../bench-results.js';

const run = promisify(execFile);

/**
 * The π reference: the prime count, the wall time of the two processes including node's start-up (`wallMs`), and the
 * slower one's sieve time alone (`sieveMs`), which is what a warm pool should be compared with.
 */
export async function twoPlainSieves(limit: number): Promise<{ count: number; sieveMs: number; wallMs: number }> {
  const script = join(repoRoot, 'dist', 'bench', 'peers', 'plain-sieve.js');
  const mid = Math.floor(limit / 2);
  const t0 = performance.now();
  const outs = await Promise.all(
    [
      [0, mid],
      [mid, limit],
    ].map(([lo, hi]) => run(process.execPath, [script, String(lo), String(hi)])),
  );
  const wallMs = performance.now() - t0;
  const parsed = outs.map((o) => JSON.parse(o.stdout) as { count: number; sieveMs: number });
  return {
    count: parsed.reduce((a, p) => a + p.count, 0),
    sieveMs: Math.max(...parsed.map((p) => p.sieveMs)),
    wallMs,
  };
}
