/**
 * π(10^9) as a user runs it: whole `fanout run primes --limit 1000000000` processes (process and thread backends, the
 * default workers) against two plain node processes each sieving half (bench/peers/plain-sieve.ts), wall time of the
 * whole processes including node's start-up, interleaved rounds with the order rotating. Part of the cpu-scaling suite.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { median, repoRoot } from './bench-results.js';
import { twoPlainSieves } from './peers/plain-sieve-run.js';

const execFileP = promisify(execFile);
const LIMIT = 1e9;
const EXPECTED = 50_847_534;
const BACKENDS = ['process', 'thread'] as const;

/** One contender's whole-process walls, ms, and its paired ratios (plain ÷ fanout per round: > 1 means faster). */
export interface WholeProcessRow {
  contender: string;
  wallMs: number[];
  medianMs: number;
  vsPlain?: { median: number; min: number; max: number };
}

async function fanoutWall(backend: string): Promise<number> {
  const t0 = performance.now();
  const { stdout } = await execFileP(
    process.execPath,
    [join(repoRoot, 'bin', 'fanout.js'), 'run', 'primes', '--limit', String(LIMIT), '--backend', backend, '--json'],
    { maxBuffer: 16 * 2 ** 20 },
  );
  const ms = performance.now() - t0;
  const count = (JSON.parse(stdout) as { result?: { count?: number } }).result?.count;
  if (count !== EXPECTED) throw new Error(`fanout --backend ${backend}: π(10^9) = ${count}, expected ${EXPECTED}`);
  return ms;
}

async function plainWall(): Promise<number> {
  const r = await twoPlainSieves(LIMIT);
  if (r.count !== EXPECTED) throw new Error(`plain processes: π(10^9) = ${r.count}, expected ${EXPECTED}`);
  return r.wallMs;
}

/** Runs `rounds` interleaved rounds of every contender; returns a row per contender. */
export async function wholeProcessPi(rounds: number): Promise<WholeProcessRow[]> {
  const contenders: [string, () => Promise<number>][] = [
    ...BACKENDS.map((b): [string, () => Promise<number>] => [`fanout run --backend ${b}`, () => fanoutWall(b)]),
    ['two plain node processes', plainWall],
  ];
  const walls = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      walls[i]?.push(await (contenders[i] as [string, () => Promise<number>])[1]());
    }
  }
  const plain = walls[contenders.length - 1] as number[];
  return contenders.map(([contender], i) => {
    const own = walls[i] as number[];
    const row: WholeProcessRow = { contender, wallMs: own.map(Math.round), medianMs: Math.round(median(own)) };
    if (i < contenders.length - 1) {
      const ratios = own.map((ms, j) => Math.round(((plain[j] as number) / ms) * 1000) / 1000);
      row.vsPlain = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
    }
    return row;
  });
}
