import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { FetchPool } from '../../orchestrator/fetch/fetch-pool.js';

const DIR = '/usr/share/common-licenses';

describe('fetch pool start-up lane (real threads, from dist/)', () => {
  let docs: DocsServer;
  let pool: FetchPool | undefined;

  beforeAll(async () => {
    docs = await startDocsServer({ dir: DIR, latencyMs: 20 });
  });
  afterAll(async () => {
    await pool?.close();
    await docs?.close();
  });

  it('requests made while the threads boot start at once on the main thread, then the threads take over', async () => {
    // Prepare
    const names = [...docs.files.keys()].slice(0, 12);
    const urls = names.map((n) => `${docs.url}/docs/${encodeURIComponent(n)}`);
    pool = new FetchPool({ concurrency: 8, threads: 2 });
    // Act: fetch before the threads are online, as the fetch stage does
    const t0 = Date.now();
    const early = Promise.all(urls.map((u) => pool?.fetch(u) as ReturnType<FetchPool['fetch']>));
    await pool.start();
    const onlineAt = Date.now();
    const first = await early;
    const later = await Promise.all(urls.map((u) => pool?.fetch(u) as ReturnType<FetchPool['fetch']>));
    // Assess: every body byte for byte, wherever it ran
    for (const [i, r] of [...first, ...later].entries()) {
      expect(r.ok).toBe(true);
      const name = names[i % names.length] as string;
      if (r.ok) expect(Buffer.from(r.body).equals(readFileSync(join(DIR, name)))).toBe(true);
    }
    // the start-up lane ran at most perThread (4) requests at once, each started before the threads were online
    const onMain = first.filter((r) => r.workerId === 'fetch-main');
    expect(onMain.length).toBeGreaterThan(0);
    const edges = onMain.flatMap((r) => [
      [r.startedAt, 1],
      [r.endedAt, -1],
    ]) as [number, number][];
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let most = 0;
    for (const [, d] of edges) {
      open += d;
      most = Math.max(most, open);
    }
    expect(most).toBeLessThanOrEqual(4);
    for (const r of onMain) expect(r.startedAt).toBeLessThanOrEqual(onlineAt);
    expect(Math.min(...onMain.map((r) => r.startedAt)) - t0).toBeLessThan(1000);
    // once a thread is online, nothing more runs on the main thread
    expect(later.every((r) => r.workerId.startsWith('fetch-') && r.workerId !== 'fetch-main')).toBe(true);
    // main-thread fetches are counted like the threads' ones
    const c = pool.counters();
    expect(c.docs).toBe(urls.length * 2);
    expect(c.status2xx).toBe(urls.length * 2);
  });
});
