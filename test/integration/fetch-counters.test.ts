import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterValues } from '../../orchestrator/accumulators/shared-counters.js';
import { ProgressBar } from '../../orchestrator/cli/progress-bar.js';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { fanout } from '../../orchestrator/fanout.js';
import type { FanoutProgress } from '../../orchestrator/stats.js';

/** The fetch threads' shared counters as the live source of the fetch stage's progress and stats. */

const DOCS = 12;
let dir = '';
let server: DocsServer;
let totalBytes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fanout-counters-'));
  for (let i = 0; i < DOCS; i++) {
    const text = `counted words ${'x'.repeat(i * 100)} `.repeat(20);
    writeFileSync(join(dir, `d${i}.txt`), text);
    totalBytes += Buffer.byteLength(text);
  }
  // every document answers 503 once, then is served
  server = await startDocsServer({ dir, faults: { rate: 1, attempts: 1, kinds: ['503'] } });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fetch stage counters', () => {
  it('feed stats.stages.fetch and every progress update, live, with documents, bytes and statuses', async () => {
    // Prepare: a progress bar drawing into a fake TTY, and every snapshot the run reports
    const seen: FanoutProgress[] = [];
    let drawn = '';
    const tty = {
      write(s: string): boolean {
        drawn += s;
        return true;
      },
    };
    const bar = new ProgressBar(tty as unknown as NodeJS.WriteStream, true);

    // Act
    const { stats } = await fanout(
      'wordcount',
      { urls: server.indexUrl, fetchThreads: 2, fetchConcurrency: 2 },
      {
        backend: 'inline',
        workers: 1,
        batchSize: 3,
        onProgress: (p) => {
          seen.push(p);
          bar.update(p);
        },
      },
    );

    // Assess: the totals are the counters' (2 requests per document: a 503, then the body)
    expect(stats.stages?.fetch).toMatchObject({
      documents: DOCS,
      bytes: totalBytes,
      attempts: 2 * DOCS,
      failed: 0,
      statuses: { '2xx': DOCS, '3xx': 0, '4xx': 0, '5xx': DOCS, network: 0 },
    });
    expect(stats.stages?.fetch?.bytesPerSec).toBeGreaterThan(0);
    // live: progress updates came while fetching (before every batch was done), and the counts only grew
    const fetchSeen = seen.map((p) => p.stages?.fetch).filter((c): c is CounterValues => c !== undefined);
    expect(fetchSeen.length).toBeGreaterThanOrEqual(DOCS);
    expect(fetchSeen.some((c) => c.docs > 0 && c.docs < DOCS)).toBe(true);
    for (let i = 1; i < fetchSeen.length; i++) {
      expect((fetchSeen[i] as CounterValues).attempts).toBeGreaterThanOrEqual(
        (fetchSeen[i - 1] as CounterValues).attempts,
      );
    }
    expect(fetchSeen.at(-1)?.docs).toBe(DOCS);
    expect(drawn).toMatch(/fetched \d+ docs, \d+\.\d MB/);
  });
});
