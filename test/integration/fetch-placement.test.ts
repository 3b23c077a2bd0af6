import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersConsistent } from '../../orchestrator/accumulators/shared-counters.js';
import { generateDocs } from '../../orchestrator/docs-server/demo-docs.js';
import { FetchPool, MAIN_THREAD_WORKER_ID, type PooledFetchResult } from '../../orchestrator/fetch/fetch-pool.js';
import { type ServeDocsChild, startServeDocs } from '../helpers/serve-docs-child.js';

/**
 * Where the fetches run (FetchPool's placement), against a docs server in its own process, so a busy main thread here
 * slows only the fetching side.
 */
const DOCS = 240;
let server: ServeDocsChild;
let dir: string;
let urls: string[];

beforeAll(async () => {
  dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-placement-')), DOCS, 200);
  server = await startServeDocs(dir, ['--latency-ms', '20']);
  urls = (await (await fetch(server.indexUrl)).text()).split('\n').filter(Boolean);
});
afterAll(async () => {
  await server?.stop();
});

/** Keeps the main thread computing in 20 ms slices until `work` settles: its event loop gets a turn between slices. */
async function busyMainThread<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  while (!done) {
    const end = performance.now() + 20;
    while (performance.now() < end) {
      // the CPU work that competes with fetch callbacks on this thread
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return settled;
}

/** Every URL fetched once and byte for byte, and the shared counters say the same. */
function expectAllFetched(pool: FetchPool, results: PooledFetchResult[]): void {
  expect(results).toHaveLength(urls.length);
  for (const [i, r] of results.entries()) {
    expect(r.ok, r.ok ? '' : r.reason).toBe(true);
    const name = (urls[i] as string).split('/').pop() as string;
    if (r.ok) expect(Buffer.from(r.body).equals(readFileSync(join(dir, name)))).toBe(true);
  }
  const c = pool.counters();
  expect(countersConsistent(c)).toBe(true);
  expect(c).toMatchObject({ docs: urls.length, attempts: urls.length, failed: 0 });
}

const lanes = (results: PooledFetchResult[]): Set<string> => new Set(results.map((r) => r.workerId));

describe('FetchPool placement (real threads, a docs server in a child process)', () => {
  it('auto: fetching starts on the main thread at once, nothing to boot; each URL fetched exactly once', async () => {
    // Prepare
    const pool = new FetchPool({ concurrency: 4 });
    await pool.start();
    try {
      // Act
      const results = await Promise.all(urls.map((u) => pool.fetch(u)));
      // Assess: the first requests left on the main thread (threads start only once it is measured busy, which on an
      // idle machine it is not; on a loaded one it can be: the rest may have moved, each URL still fetched once)
      expectAllFetched(pool, results);
      expect(results.slice(0, 4).map((r) => r.workerId)).toEqual(Array(4).fill(MAIN_THREAD_WORKER_ID));
    } finally {
      await pool.close();
    }
  });

  it('auto, busy main thread: the fetches move to the threads, each URL fetched exactly once', async () => {
    // Prepare
    const pool = new FetchPool({ concurrency: 8, threads: 2 });
    await pool.start();
    try {
      // Act
      const results = await busyMainThread(Promise.all(urls.map((u) => pool.fetch(u))));
      // Assess: some ran on the main thread before the move, the rest in both threads
      expectAllFetched(pool, results);
      expect(pool.inThreads).toBe(true);
      expect(lanes(results)).toEqual(new Set([MAIN_THREAD_WORKER_ID, 'fetch-0', 'fetch-1']));
      // once the threads took over, the main thread began no new request
      const firstInThread = Math.min(
        ...results.filter((r) => r.workerId !== MAIN_THREAD_WORKER_ID).map((r) => r.startedAt),
      );
      const lastOnMain = Math.max(
        ...results.filter((r) => r.workerId === MAIN_THREAD_WORKER_ID).map((r) => r.startedAt),
      );
      expect(lastOnMain).toBeLessThanOrEqual(firstInThread);
    } finally {
      await pool.close();
    }
  });

  it('main: stays on the main thread however busy it is', async () => {
    // Prepare
    const pool = new FetchPool({ concurrency: 8, placement: 'main' });
    await pool.start();
    try {
      // Act
      const results = await busyMainThread(Promise.all(urls.slice(0, 60).map((u) => pool.fetch(u))));
      // Assess
      expect(results.every((r) => r.ok)).toBe(true);
      expect(lanes(results)).toEqual(new Set([MAIN_THREAD_WORKER_ID]));
      expect(pool.inThreads).toBe(false);
    } finally {
      await pool.close();
    }
  });

  it('threads: requests made before start() resolved leave once the threads are up, each fetched exactly once', async () => {
    // Prepare
    const pool = new FetchPool({ concurrency: 8, threads: 2, placement: 'threads' });
    const starting = pool.start();
    // Act: asked while the threads still boot (this used to wait for a later request that never came)
    const results = await Promise.all(urls.slice(0, 40).map((u) => pool.fetch(u)));
    await starting;
    try {
      // Assess
      expect(results.every((r) => r.ok)).toBe(true);
      expect(lanes(results)).toEqual(new Set(['fetch-0', 'fetch-1']));
      expect(pool.counters()).toMatchObject({ docs: 40, attempts: 40, failed: 0 });
    } finally {
      await pool.close();
    }
  });

  it('close while fetches run on the main thread: each rejects with ECANCEL, none resolves', async () => {
    // Prepare
    const pool = new FetchPool({ concurrency: 4, placement: 'main' });
    await pool.start();
    const outcomes = urls.slice(0, 10).map((u) =>
      pool.fetch(u).then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      ),
    );
    // Act
    await pool.close();
    // Assess: 4 were running on the main thread, 6 were queued
    expect(await Promise.all(outcomes)).toEqual(Array(10).fill('ECANCEL'));
  });

  it('a bad placement is refused naming the option', () => {
    expect(() => new FetchPool({ placement: 'gpu' as never })).toThrow(
      'Expected `fetchOn` to be one of auto, threads, main, got `gpu`',
    );
  });
});
