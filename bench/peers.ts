/**
 * fanout against the pools people already use, in one run on the same cores, interleaved: every round runs
 * each contender of a workload once, in an order that rotates per round, so load from neighbours hits all alike. Each
 * figure is a ratio against the peer (or the ideal) from the same run: median with min and max over the rounds.
 *
 * Workloads, all with 2 workers and warm pools (started and given one untimed run before the clock runs):
 * - no-op dispatch: 20,000 no-op tasks (fanout: `sleep --ms 0`), tasks/s;
 * - 10,000 small hash batches (the built-in hash task, 20 rounds of sha256 over 1 KiB), tasks/s;
 * - π(10^8) and π(10^9) (the primes task's own batches), vs two plain node processes each sieving half;
 * - fetch 500 documents at 50 ms latency (local docs server, concurrency 64): fanout's fetch threads vs p-limit + undici
 *   on the main thread, both vs the ideal ⌈500/64⌉ × 50 ms.
 *
 * Peers: piscina and tinypool (threads), workerpool (processes), a raw `child_process.fork` + IPC loop with 64 messages
 * in flight, faast.js's local provider (processes; ~1 ms a call, so it runs a prefix of the long lists and its wall time
 * is scaled), p-limit + undici (fetch).
 *
 * `FANOUT_BENCH_QUICK=1` shrinks every workload and runs 2 rounds (for development; its figures are not the goals').
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../orchestrator/backends/backend.js';
import { ProcessBackend } from '../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../orchestrator/backends/thread/thread-backend.js';
import { generateDocs } from '../orchestrator/docs-server/demo-docs.js';
import { fanout } from '../orchestrator/fanout.js';
import { type HashBatch, hash } from '../orchestrator/tasks/hash.js';
import { type PrimesBatch, primes } from '../orchestrator/tasks/primes.js';
import { printTable, writeResult } from './bench-results.js';
import { serveDocs } from './fetch-overlap.js';
import { type GoalRow, goalRow } from './goals.js';
import { fetchWithPLimit, fetchWithPool, listUrls } from './peers/peer-fetch.js';
import {
  faastPool,
  type PeerPool,
  piscinaPool,
  rawForkPool,
  tinypoolPool,
  workerpoolPool,
} from './peers/peer-pools.js';
import {
  type Contender,
  fmtSpread,
  interleaved,
  pairedRatio,
  r2,
  type Spread,
  spread,
  timed,
} from './peers/peer-rounds.js';
import type { PeerMessage, PeerReply } from './peers/peer-work.js';
import { twoPlainSieves } from './peers/plain-sieve-run.js';

const QUICK = process.env.FANOUT_BENCH_QUICK === '1';
const ROUNDS = QUICK ? 2 : 5;
const WORKERS = 2;
const NOOP_TASKS = QUICK ? 2_000 : 20_000;
const HASH_BATCHES = QUICK ? 1_000 : 10_000;
const HASH_ROUNDS = 20;
const HASH_BYTES = 1024;
const PRIME_LIMITS = QUICK ? [1e7] : [1e8, 1e9];
const DOCS = QUICK ? 100 : 500;
const LATENCY_MS = 50;
const FETCH_CONCURRENCY = 64;

function expectEqual(who: string, got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${who}: wrong answer ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

function xorOf(digests: PeerReply[]): string {
  const acc = Buffer.alloc(32);
  for (const d of digests) {
    const b = Buffer.from(d as string, 'hex');
    for (let i = 0; i < 32; i++) acc[i] = (acc[i] as number) ^ (b[i] as number);
  }
  return acc.toString('hex');
}

/** A workload: how fanout runs it and how a peer runs it, with the answer both must give. */
interface Workload {
  name: string;
  task: string;
  input: Record<string, number>;
  messages: PeerMessage[];
  /** Checks a fanout result and a peer's replies against each other. */
  answer(peerReplies: PeerReply[]): unknown;
  fanoutAnswer(result: unknown): unknown;
}

function workloads(): Workload[] {
  const hashBatches = [
    ...(hash.split(
      { batches: HASH_BATCHES, rounds: HASH_ROUNDS, bytes: HASH_BYTES },
      {
        batchSize: undefined,
        workers: WORKERS,
      },
    ) as Iterable<HashBatch>),
  ];
  const list: Workload[] = [
    {
      name: `no-op dispatch (${NOOP_TASKS} tasks)`,
      task: 'sleep',
      input: { batches: NOOP_TASKS, ms: 0 },
      messages: Array.from({ length: NOOP_TASKS }, () => ({ k: 'noop' }) as const),
      answer: (r) => r.length,
      fanoutAnswer: (r) => (r as { batches: number }).batches,
    },
    {
      name: `hash (${HASH_BATCHES} batches × ${HASH_ROUNDS} sha256 of ${HASH_BYTES} B)`,
      task: 'hash',
      input: { batches: HASH_BATCHES, rounds: HASH_ROUNDS, bytes: HASH_BYTES },
      messages: hashBatches.map((b) => ({ k: 'hash', b }) as const),
      answer: (r) => xorOf(r),
      fanoutAnswer: (r) => (r as { xor: string }).xor,
    },
  ];
  for (const limit of PRIME_LIMITS) {
    const batches = [...(primes.split({ limit }, { batchSize: undefined, workers: WORKERS }) as Iterable<PrimesBatch>)];
    list.push({
      name: `primes π(10^${Math.log10(limit)}) (${batches.length} batches)`,
      task: 'primes',
      input: { limit },
      messages: batches.map((b) => ({ k: 'primes', lo: b.lo, hi: b.hi }) as const),
      answer: (r) => (r as number[]).reduce((a, b) => a + b, 0),
      fanoutAnswer: (r) => (r as { count: number }).count,
    });
  }
  return list;
}

/** A contender that runs a workload through a started fanout backend. */
function viaFanout(label: string, backend: Backend, w: Workload, want: unknown): Contender {
  return {
    name: label,
    run: () =>
      timed(async () => {
        const { result } = await fanout(w.task, w.input, { backend, workers: WORKERS });
        expectEqual(label, w.fanoutAnswer(result), want);
      }),
  };
}

/**
 * A contender that runs a workload through a warm peer pool. A peer with `maxMessages` below the workload's size runs
 * that prefix (checked against `wantPrefix`) and its wall time is scaled to the whole workload.
 */
function viaPeer(pool: PeerPool, w: Workload, want: unknown, wantPrefix: () => Promise<unknown>): Contender {
  const n = w.messages.length;
  if (pool.maxMessages === undefined || pool.maxMessages >= n) {
    return {
      name: pool.name,
      run: () =>
        timed(async () => {
          expectEqual(pool.name, w.answer(await pool.runAll(w.messages)), want);
        }),
    };
  }
  const prefix = w.messages.slice(0, pool.maxMessages);
  return {
    name: pool.name,
    async run() {
      const expected = await wantPrefix();
      const ms = await timed(async () => {
        expectEqual(pool.name, w.answer(await pool.runAll(prefix)), expected);
      });
      return (ms * n) / prefix.length;
    },
  };
}

/** A result row: one contender of one workload against its reference. */
interface Row {
  [key: string]: string | number;
  workload: string;
  contender: string;
  'median ms': number;
  'min–max ms': string;
  'tasks/s': number | string;
  vs: string;
  'ratio (median, min–max)': string;
}

/** Runs the suite, prints its table and writes bench/results/peers.json. */
export async function run(): Promise<unknown> {
  const loadBefore = loadavg()[0] as number;
  const rows: Row[] = [];
  const results: Record<string, unknown>[] = [];
  const peers = [
    piscinaPool(WORKERS),
    tinypoolPool(WORKERS),
    workerpoolPool(WORKERS),
    rawForkPool(WORKERS, 64),
    faastPool(WORKERS, QUICK ? 500 : 1_000),
  ];
  for (const p of peers) await p.start();
  try {
    for (const w of workloads()) {
      const backends: [string, Backend][] = [
        ['fanout thread', new ThreadBackend({ workers: WORKERS })],
        ['fanout process', new ProcessBackend({ workers: WORKERS })],
      ];
      // The reference answer, and every peer's warm-up on this work (a capped peer warms up on its prefix).
      const reference = peers[0] as PeerPool;
      const want = w.answer(await reference.runAll(w.messages));
      const prefixAnswers = new Map<number, Promise<unknown>>();
      const wantPrefix = (n: number) => (): Promise<unknown> => {
        let a = prefixAnswers.get(n);
        if (!a) {
          a = reference.runAll(w.messages.slice(0, n)).then((r) => w.answer(r));
          prefixAnswers.set(n, a);
        }
        return a;
      };
      for (const p of peers.slice(1)) await p.runAll(w.messages.slice(0, p.maxMessages ?? w.messages.length));
      try {
        for (const [, b] of backends) {
          await b.start({ task: { kind: 'builtin', name: w.task } });
          await fanout(w.task, w.input, { backend: b, workers: WORKERS }); // warm-up, untimed
        }
        const contenders = [
          ...backends.map(([label, b]) => viaFanout(label, b, w, want)),
          ...peers.map((p) => viaPeer(p, w, want, wantPrefix(p.maxMessages ?? 0))),
        ];
        if (w.task === 'primes') {
          const limit = w.input.limit as number;
          contenders.push({
            name: 'two plain node processes (sieve time)',
            run: async () => {
              const r = await twoPlainSieves(limit);
              expectEqual('plain processes', r.count, want);
              return r.sieveMs;
            },
          });
        }
        const walls = await interleaved(contenders, ROUNDS);
        const before = rows.length;
        results.push(...addRows(rows, w, walls, w.messages.length));
        // each workload's table as soon as it is done: a long run shows progress and keeps what it measured
        printTable(`peers: ${w.name}`, rows.slice(before));
      } finally {
        for (const [, b] of backends) await b.stop();
      }
    }
  } finally {
    for (const p of peers) await p.stop();
  }
  results.push(await fetchWorkload(rows));
  printTable(
    `peers (all workloads): 2 workers, warm pools, ${ROUNDS} interleaved rounds${QUICK ? ' (QUICK mode: reduced sizes)' : ''}`,
    rows,
  );
  const data = {
    quick: QUICK,
    goals: goalsOf(results),
    rounds: ROUNDS,
    workers: WORKERS,
    loadAverage1m: { before: loadBefore, after: loadavg()[0] as number },
    note: 'ratio = fanout speed / reference speed per round (paired), median (min–max); >1 means fanout is faster',
    workloads: results,
  };
  await writeResult('peers', data);
  return data;
}

/** The goal rows of issue 18 this suite measures: thread dispatch against piscina, on the no-op workload. */
function goalsOf(results: Record<string, unknown>[]): GoalRow[] {
  const noop = results.find((r) => String(r.workload).startsWith('no-op dispatch')) as
    | { ratios: Record<string, Spread> }
    | undefined;
  const vsPiscina = noop?.ratios['fanout thread / piscina'];
  return vsPiscina ? [goalRow('thread dispatch vs piscina', vsPiscina.median, { atLeast: 1 })] : [];
}

/** Which fanout backend is compared with which reference. */
function referencesFor(w: Workload): [string, string][] {
  const pairs: [string, string][] = [
    ['fanout thread', 'piscina'],
    ['fanout thread', 'tinypool'],
    ['fanout process', 'raw fork + IPC (64 in flight)'],
    ['fanout process', 'workerpool (processes)'],
    ['fanout process', 'faast.js local (processes)'],
  ];
  if (w.task === 'primes') {
    pairs.push(['fanout thread', 'two plain node processes (sieve time)']);
    pairs.push(['fanout process', 'two plain node processes (sieve time)']);
  }
  return pairs;
}

function addRows(rows: Row[], w: Workload, walls: Map<string, number[]>, tasks: number): Record<string, unknown>[] {
  const perContender: Record<string, Spread> = {};
  for (const [name, runs] of walls) {
    const s = spread(runs.map(Math.round));
    perContender[name] = s;
    rows.push({
      workload: w.name,
      contender: name,
      'median ms': s.median,
      'min–max ms': `${s.min}–${s.max}`,
      'tasks/s': Math.round((tasks / s.median) * 1000),
      vs: '',
      'ratio (median, min–max)': '',
    });
  }
  const ratios: Record<string, Spread> = {};
  for (const [ours, ref] of referencesFor(w)) {
    const ratio = pairedRatio(walls.get(ours) as number[], walls.get(ref) as number[]);
    ratios[`${ours} / ${ref}`] = ratio;
    rows.push({
      workload: w.name,
      contender: ours,
      'median ms': '',
      'min–max ms': '',
      'tasks/s': '',
      vs: ref,
      'ratio (median, min–max)': fmtSpread(ratio),
    } as unknown as Row);
  }
  return [{ workload: w.name, tasks, wallMs: perContender, ratios }];
}

/** Fetch 500 documents: fanout's fetch pool vs p-limit + undici on the main thread, both vs the ideal. */
async function fetchWorkload(rows: Row[]): Promise<Record<string, unknown>> {
  const dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-bench-peers-')), DOCS, 4000);
  const server = await serveDocs(dir, LATENCY_MS);
  const idealMs = Math.ceil(DOCS / FETCH_CONCURRENCY) * LATENCY_MS;
  try {
    const urls = await listUrls(server.indexUrl);
    await fetchWithPLimit(urls.slice(0, FETCH_CONCURRENCY), FETCH_CONCURRENCY); // warm-up
    const contenders: Contender[] = [
      { name: 'fanout fetch threads', run: () => fetchWithPool(urls, FETCH_CONCURRENCY) },
      { name: 'p-limit + undici (main thread)', run: () => fetchWithPLimit(urls, FETCH_CONCURRENCY) },
    ];
    const walls = await interleaved(contenders, ROUNDS);
    const name = `fetch ${DOCS} docs at ${LATENCY_MS} ms (c=${FETCH_CONCURRENCY}, ideal ${idealMs} ms)`;
    const wallMs: Record<string, Spread> = {};
    const ratios: Record<string, Spread> = {};
    for (const [who, runs] of walls) {
      const s = spread(runs.map(Math.round));
      wallMs[who] = s;
      const vsIdeal = spread(runs.map((ms) => r2(ms / idealMs)));
      ratios[`${who} / ideal`] = vsIdeal;
      rows.push({
        workload: name,
        contender: who,
        'median ms': s.median,
        'min–max ms': `${s.min}–${s.max}`,
        'tasks/s': Math.round((DOCS / s.median) * 1000),
        vs: 'ideal (× ideal, lower is better)',
        'ratio (median, min–max)': fmtSpread(vsIdeal),
      });
    }
    const vsPeer = pairedRatio(
      walls.get('fanout fetch threads') as number[],
      walls.get('p-limit + undici (main thread)') as number[],
    );
    ratios['fanout fetch threads / p-limit + undici'] = vsPeer;
    rows.push({
      workload: name,
      contender: 'fanout fetch threads',
      'median ms': '',
      'min–max ms': '',
      'tasks/s': '',
      vs: 'p-limit + undici',
      'ratio (median, min–max)': fmtSpread(vsPeer),
    } as unknown as Row);
    return { workload: name, tasks: DOCS, idealMs, wallMs, ratios };
  } finally {
    server.stop();
  }
}
