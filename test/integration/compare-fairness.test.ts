import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { type Comparison, runComparison } from '../../orchestrator/report/comparison.js';

/**
 * compare under a fault plan (`serve-docs --fail-rate 1 --fault-attempts 3`): every backend must meet the same faults,
 * whichever runs first. Counts, not times.
 */

const DOCS = 6;
const FAULTS_PER_DOC = 3;
let dir = '';
let server: DocsServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fanout-fair-'));
  for (let i = 0; i < DOCS; i++) writeFileSync(join(dir, `doc${i}.txt`), `fair words number ${i} `.repeat(50));
  // 503 and reset: the fast kinds (429's Retry-After and `slow` only add seconds, not different counts)
  server = await startDocsServer({ dir, faults: { rate: 1, attempts: FAULTS_PER_DOC, kinds: ['503', 'reset'] } });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const faultsSoFar = (): number => Object.values(server.injected).reduce((a, b) => a + b, 0);

/** Per backend: fetch attempts beyond the first (the retries the faults caused), summed over its URLs. */
function fetchRetries(c: Comparison): Record<string, number> {
  return Object.fromEntries(
    c.rows.map((r) => [
      r.backend,
      r.stats.records.filter((x) => x.stage === 'fetch').reduce((sum, x) => sum + x.attempt - 1, 0),
    ]),
  );
}

describe.sequential('compare is fair under a fault plan', () => {
  it('gives each backend the same injected faults and retries, in either order, with warm-ups and rotation', async () => {
    // Prepare
    const compare = (backends: ('inline' | 'thread')[]) =>
      runComparison({
        task: 'wordcount',
        input: { urls: server.indexUrl, fetchThreads: 1 },
        backends,
        runs: 2,
        warmups: 1,
        options: { workers: 1 },
      });
    const before = faultsSoFar();

    // Act
    const forward = await compare(['inline', 'thread']);
    const afterForward = faultsSoFar();
    const reversed = await compare(['thread', 'inline']);

    // Assess: 2 backends × (1 warm-up + 2 timed runs), each meeting all 3 faults of all 6 documents
    expect(afterForward - before).toBe(2 * 3 * DOCS * FAULTS_PER_DOC);
    expect(faultsSoFar() - afterForward).toBe(2 * 3 * DOCS * FAULTS_PER_DOC);
    const expected = { inline: DOCS * FAULTS_PER_DOC, thread: DOCS * FAULTS_PER_DOC };
    expect(fetchRetries(forward)).toEqual(expected);
    expect(fetchRetries(reversed)).toEqual(expected);
    for (const c of [forward, reversed]) {
      for (const r of c.rows) {
        expect(r.runsWallMs).toHaveLength(2);
        expect((r.result as { totalWords: number }).totalWords).toBe(DOCS * 3 * 50);
      }
    }
    // the order rotates: each backend goes first once
    expect(forward.order).toEqual([
      ['inline', 'thread'],
      ['thread', 'inline'],
    ]);
    expect(reversed.order).toEqual([
      ['thread', 'inline'],
      ['inline', 'thread'],
    ]);
    expect(forward.warmups).toBe(1);
    expect(forward.notes.join('\n')).toMatch(/1 untimed warm-up run first; the order rotated across runs/);
  });
});
