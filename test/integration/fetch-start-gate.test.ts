import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDocs } from '../../orchestrator/docs-server/demo-docs.js';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { fanout } from '../../orchestrator/fanout.js';
import { type DocBatch, fetchDocBatches } from '../../orchestrator/fetch/fetch-stage.js';
import { fetchDocBatchesInOrder } from '../../orchestrator/fetch/ordered-doc-batches.js';
import { readUrlList } from '../../orchestrator/fetch/url-list.js';
import { referenceWordcount, texts } from './fetch-test-server.js';

const DOCS = 12;

describe('fetch stage start-up: threads boot and the list is read while the backend starts', () => {
  let server: DocsServer;
  let dir: string;

  beforeAll(async () => {
    dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-gate-')), DOCS, 50);
    server = await startDocsServer({ dir, latencyMs: 10 });
  });
  afterAll(async () => {
    await server?.close();
  });

  for (const [name, stage] of [
    ['arrival order', fetchDocBatches],
    ['list order (journaled runs)', fetchDocBatchesInOrder],
  ] as const) {
    it(`${name}: no request leaves before the gate opens; all of them after`, async () => {
      // Prepare
      let open = (): void => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const before = server.requests;
      const batches: DocBatch[] = [];
      // Act: the consumer is already pulling, the threads are up, the list is read…
      const consumed = (async () => {
        for await (const b of stage(readUrlList(server.indexUrl), { startGate: gate })) batches.push(b);
      })();
      await new Promise((r) => setTimeout(r, 400));
      // Assess: …and the only request so far is the list itself
      expect(server.requests - before).toBe(1);
      expect(batches).toEqual([]);
      open();
      await consumed;
      expect(server.requests - before).toBe(1 + DOCS);
      expect(batches.flatMap((b) => b.docs).length).toBe(DOCS);
    });
  }

  it('an abort while the gate is shut ends the stage with the abort reason, nothing fetched', async () => {
    // Prepare
    const controller = new AbortController();
    const before = server.requests;
    const stage = fetchDocBatches(readUrlList(server.indexUrl), {
      startGate: new Promise<void>(() => {}),
      signal: controller.signal,
    });
    // Act
    const next = stage.next();
    setTimeout(() => controller.abort(new Error('stop now')), 100);
    // Assess
    await expect(next).rejects.toThrow('stop now');
    expect(server.requests - before).toBeLessThanOrEqual(1);
  });

  // Timing on shared cores: the bound is loose (the old start-up was 200-400 ms after the run's start) and reruns.
  it('in a run, the first fetch leaves at the run start, and no fetch predates it', { retry: 2 }, async () => {
    // Prepare
    let runStart = 0;
    const called = Date.now();
    // Act
    const { result, stats } = await fanout(
      'wordcount',
      { urls: server.indexUrl },
      {
        backend: 'process',
        workers: 1,
        onRecord: (_r, run) => {
          runStart = run.startedAt;
        },
      },
    );
    // Assess
    expect(result).toEqual(referenceWordcount(texts(dir, server.files.keys())));
    const fetches = stats.records.filter((r) => r.stage === 'fetch');
    expect(fetches.length).toBe(DOCS);
    const first = Math.min(...fetches.map((r) => r.startMs));
    const startUpMs = runStart - called;
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(Math.max(100, startUpMs / 2));
    console.log(`backend start-up ${startUpMs} ms; first fetch ${first} ms after the run start`);
  });
});
