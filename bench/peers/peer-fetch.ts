/** The fetch workload of the peers and fetch-overlap benchmarks: fanout's fetch pool and a main-thread p-limit + undici loop. */
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { FetchPool } from '../../orchestrator/fetch/fetch-pool.js';

/** Reads the docs server's index: one URL a line. */
export async function listUrls(indexUrl: string): Promise<string[]> {
  return (await (await request(indexUrl)).body.text()).split('\n').filter(Boolean);
}

/** Main thread: p-limit + undici with `concurrency` sockets, every body read to the end. Returns wall ms. */
export async function fetchWithPLimit(urls: readonly string[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  const agent = new Agent({ connections: concurrency });
  const limit = pLimit(concurrency);
  const sizes = await Promise.all(
    urls.map((u) =>
      limit(async () => {
        const res = await request(u, { dispatcher: agent });
        if (res.statusCode !== 200) throw new Error(`${u}: HTTP ${res.statusCode}`);
        return (await res.body.arrayBuffer()).byteLength;
      }),
    ),
  );
  const ms = performance.now() - t0;
  await agent.close();
  if (sizes.length !== urls.length) throw new Error('p-limit lost a fetch');
  return ms;
}

/**
 * fanout's fetch pool with its default placement (the main thread until it is busy, then 2 threads), started inside
 * the clock: a user's run pays for it too. Returns wall ms.
 */
export async function fetchWithPool(urls: readonly string[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  const pool = new FetchPool({ concurrency });
  const starting = pool.start();
  const results = await Promise.all(urls.map((u) => pool.fetch(u)));
  await starting;
  const ms = performance.now() - t0;
  await pool.close();
  const failed = results.find((r) => !r.ok);
  if (failed) throw new Error(`fanout fetch failed: ${failed.url}`);
  return ms;
}
