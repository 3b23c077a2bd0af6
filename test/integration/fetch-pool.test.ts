import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersConsistent } from '../../orchestrator/accumulators/shared-counters.js';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { FetchPool } from '../../orchestrator/fetch/fetch-pool.js';
import { startOddServer } from '../helpers/fetch-test-server.js';

const DIR = '/usr/share/common-licenses';

describe('FetchPool against a faulty server on 127.0.0.1 (real threads, from dist/)', () => {
  let docs: DocsServer;
  let odd: Awaited<ReturnType<typeof startOddServer>>;
  let pool: FetchPool;

  beforeAll(async () => {
    // every document misbehaves once: 503, 429 + Retry-After, reset mid-body or a slow answer
    docs = await startDocsServer({ dir: DIR, faults: { rate: 1, attempts: 1, retryAfterS: 1, slowMs: 200 } });
    odd = await startOddServer();
    pool = new FetchPool({
      concurrency: 8,
      placement: 'threads',
      threads: 2,
      retries: 3,
      timeoutMs: 3000,
      maxBodyBytes: 32 * 1024,
      maxRedirects: 1,
      backoff: { baseMs: 20, maxMs: 200 },
    });
    await pool.start();
  });
  afterAll(async () => {
    await pool?.close();
    await docs?.close();
    await odd?.close();
  });

  it('every faulty document ends up fetched byte for byte; the shared counters add up', async () => {
    // Prepare: documents small enough for the 32 KiB cap
    const names = [...docs.files].filter(([, b]) => b.length <= 32 * 1024).map(([n]) => n);
    const urls = names.map((n) => `${docs.url}/docs/${encodeURIComponent(n)}`);
    // Act
    const results = await Promise.all(urls.map((u) => pool.fetch(u)));
    // Assess
    for (const [i, r] of results.entries()) {
      expect(r.ok, `${urls[i]}: ${r.ok ? '' : r.reason}`).toBe(true);
      if (r.ok) expect(Buffer.from(r.body).equals(docs.files.get(names[i] as string) as Buffer)).toBe(true);
    }
    const retried = docs.injected['503'] + docs.injected['429'] + docs.injected.reset;
    expect(retried).toBeGreaterThan(0);
    const c = pool.counters();
    expect(countersConsistent(c)).toBe(true);
    expect(c.docs).toBe(names.length);
    expect(c.attempts).toBe(names.length + retried);
    expect(new Set(results.map((r) => r.workerId)).size).toBe(2);
  });

  it('honours Retry-After on 429', async () => {
    // Prepare
    const server = await startDocsServer({ dir: DIR, faults: { rate: 1, kinds: ['429'], retryAfterS: 1 } });
    try {
      // Act
      const t0 = Date.now();
      const r = await pool.fetch(server.documents[0] as string);
      // Assess
      expect(r.ok).toBe(true);
      expect(r.attempts).toBe(2);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    } finally {
      await server.close();
    }
  });

  it('permanent failures resolve with a clear reason and are not retried', async () => {
    const big = [...docs.files].find(([, b]) => b.length > 32 * 1024)?.[0] as string;
    const [missing, tooBig, redirected] = await Promise.all([
      pool.fetch(`${docs.url}/docs/missing.txt`),
      pool.fetch(`${odd.url}/big`),
      pool.fetch(`${docs.url}/redirect/${encodeURIComponent(big)}`),
    ]);
    expect(missing).toMatchObject({ ok: false, reason: 'HTTP 404', attempts: 1 });
    // streamed without Content-Length: cut as soon as the running total passes the cap
    expect(tooBig).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^body over max-body \(\d+ > 32768 bytes\)$/),
      attempts: 1,
    });
    // the redirect is followed; that document's Content-Length is then over the cap
    const size = docs.files.get(big)?.length;
    expect(redirected).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`body over max-body (${size} > 32768 bytes)`),
    });
    const loop = await pool.fetch(`${docs.url}/redirect/redirect/x`);
    expect(loop).toMatchObject({ ok: false, reason: 'HTTP 404' });
  });

  it('gzip bodies are decoded in the fetch thread', async () => {
    const r = await pool.fetch(`${odd.url}/gzip`);
    expect(r.ok && Buffer.from(r.body).toString()).toBe('Zipped words zipped');
  });

  it('a server that never answers and a closed port end in failures, never a hang', async () => {
    // Prepare
    const quick = new FetchPool({
      placement: 'threads',
      threads: 1,
      concurrency: 3,
      timeoutMs: 300,
      retries: 1,
      maxRedirects: 0,
      backoff: { baseMs: 10, maxMs: 10 },
    });
    await quick.start();
    try {
      // Act
      const [hang, refused, capped] = await Promise.all([
        quick.fetch(`${odd.url}/hang`),
        quick.fetch('http://127.0.0.1:1/x'),
        quick.fetch(`${docs.url}/redirect/x`),
      ]);
      // Assess
      expect(hang).toMatchObject({ ok: false, reason: 'timed out after 300 ms (after 2 attempts)' });
      expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining('ECONNREFUSED'), attempts: 2 });
      expect(capped).toMatchObject({ ok: false, reason: 'more than 0 redirects', attempts: 1 });
    } finally {
      await quick.close();
    }
  });
});
