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

describe('fetch stage start-up: threads boot, the list is read and fetching starts while the backend starts', () => {
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
    it(`${name}: the list is read while the threads boot; onFirstRequest comes once, before any document request`, async () => {
      // Prepare
      const before = server.requests;
      const seenAtFirst: number[] = [];
      const batches: DocBatch[] = [];
      // Act
      for await (const b of stage(readUrlList(server.indexUrl), {
        onFirstRequest: () => seenAtFirst.push(server.requests - before),
      }))
        batches.push(b);
      // Assess: called once, when only the list had been requested; then every document was fetched
      expect(seenAtFirst).toEqual([1]);
      expect(server.requests - before).toBe(1 + DOCS);
      expect(batches.flatMap((b) => b.docs).length).toBe(DOCS);
    });
  }

  it('an abort while the threads boot ends the stage with the abort reason', async () => {
    // Prepare
    const controller = new AbortController();
    const stage = fetchDocBatches(readUrlList(server.indexUrl), { signal: controller.signal });
    // Act
    const next = stage.next();
    controller.abort(new Error('stop now'));
    // Assess
    await expect(next).rejects.toThrow('stop now');
  });

  // Timing on shared cores: the bounds are loose and the test reruns (the old start-up was 200-400 ms after t0).
  it('in a run, fetching starts while the process backend starts: the first request at t0, CPU bars later', {
    retry: 2,
  }, async () => {
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
    const cpu = stats.records.filter((r) => r.stage === 'cpu');
    expect(fetches.length).toBe(DOCS);
    const firstFetch = Math.min(...fetches.map((r) => r.startMs));
    const firstCpu = Math.min(...cpu.map((r) => r.startMs));
    expect(firstFetch).toBeGreaterThanOrEqual(0);
    expect(firstFetch).toBeLessThan(50);
    // the run's clock started with the fetches, before the child process was ready to map
    expect(firstCpu).toBeGreaterThan(firstFetch);
    expect(runStart).toBeGreaterThanOrEqual(called);
    console.log(
      `first fetch ${firstFetch} ms, first cpu batch ${firstCpu} ms after t0 (${runStart - called} ms after the call)`,
    );
  });
});
