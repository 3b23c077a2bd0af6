import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { RunStats } from '../../orchestrator/stats.js';
import { referenceWordcount, texts } from '../helpers/fetch-test-server.js';

vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
vi.stubEnv('AWS_REGION', 'us-east-1');
afterAll(() => {
  vi.unstubAllEnvs();
});

const DIR = '/usr/share/common-licenses';

/** Every CPU batch merged exactly once: one `ok` record per batch id, none dropped as duplicate. */
function mergedOnce(stats: RunStats): boolean {
  const ok = stats.records.filter((r) => r.stage === 'cpu' && r.status === 'ok').map((r) => r.batchId);
  return ok.length === stats.batches && new Set(ok).size === ok.length && stats.duplicates === 0;
}

describe('wordcount through fanout(): faulty server → exact counts on every CPU backend', () => {
  let server: DocsServer;
  let emulator: Emulator | undefined;
  let list: string;
  let expected: ReturnType<typeof referenceWordcount>;
  const badLines = ['ftp://127.0.0.1/x', 'not a url'];

  /** A fresh server per backend: each path misbehaves only on its first request, so every run meets the faults. */
  async function serve(): Promise<void> {
    await server?.close();
    // Half the documents misbehave once (503, 429 with Retry-After, reset mid-body, slow); one URL is a 404.
    server = await startDocsServer({ dir: DIR, latencyMs: 5, faults: { rate: 0.5, retryAfterS: 1, slowMs: 200 } });
    const dir = mkdtempSync(join(tmpdir(), 'fanout-wc-'));
    list = join(dir, 'urls.txt');
    writeFileSync(list, [...server.documents, `${server.url}/docs/missing.txt`, ...badLines, ''].join('\n'));
    expected = referenceWordcount(texts(DIR, server.files.keys()), 10);
  }

  afterAll(async () => {
    await emulator?.stop();
    await server?.close();
  });

  for (const backend of ['inline', 'thread', 'process', 'lambda'] as const) {
    it(`${backend}: counts equal a direct count of the files; failed URLs listed; each batch merged once`, async () => {
      // Prepare
      await serve();
      if (backend === 'lambda') emulator = await startEmulator({ maxConcurrency: 4 });
      const lambda = emulator ? { endpoint: emulator.endpoint, concurrency: 4 } : undefined;
      // Act
      const { result, stats } = await fanout(
        'wordcount',
        { urls: list, top: 10, fetchRetries: 4, fetchTimeout: 5000 },
        { backend, workers: 2, batchSize: 4, ...(lambda ? { lambda } : {}) },
      );
      // Assess
      expect(result).toEqual(expected);
      expect(stats.failed?.map((f) => f.item).sort()).toEqual([`${server.url}/docs/missing.txt`, ...badLines].sort());
      expect(stats.failed?.find((f) => f.item.endsWith('missing.txt'))?.reason).toBe('HTTP 404');
      expect(mergedOnce(stats)).toBe(true);
      const fetches = stats.records.filter((r) => r.stage === 'fetch');
      expect(fetches).toHaveLength(server.documents.length + 1);
      expect(fetches.some((r) => (r.attempt ?? 1) > 1)).toBe(true);
      expect(stats.byBackend[backend]?.batches).toBe(stats.batches);
    });
  }
});
