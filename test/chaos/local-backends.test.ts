import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../../orchestrator/backends/backend.js';
import { startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { fanout } from '../../orchestrator/fanout.js';
import {
  expectEachBatchMergedOnce,
  faultPlan,
  printFaults,
  SEED,
  seededRandom,
  tally,
} from '../helpers/chaos-helpers.js';
import { fixture } from '../helpers/fanout-cli.js';
import { referenceWordcount } from '../helpers/fetch-test-server.js';

/**
 * Chaos on the local backends, deterministic by seed (CHAOS_SEED): workers that throw, hang, exit or are SIGKILLed on
 * a batch's first attempt, and a document server that answers 503/429/resets/stalls. Each case asserts the exact
 * serial answer and that every batch was merged exactly once, and prints what it injected.
 */
const CHAOS_TASK = fixture('chaos-task.js');
const BATCHES = 16;
const scratch = mkdtempSync(join(tmpdir(), 'fanout-chaos-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The answer computed serially, without fanout: Σ (i² + 1). */
const serial = (n: number): number => Array.from({ length: n }, (_, i) => i * i + 1).reduce((a, b) => a + b, 0);

type WorkerFault = 'throw' | 'hang' | 'exit' | 'sigkill';
const CASES: [BackendName, WorkerFault[]][] = [
  ['inline', ['throw', 'hang']],
  ['thread', ['throw', 'hang', 'exit']],
  ['process', ['throw', 'hang', 'exit', 'sigkill']],
];

describe('chaos: local backends', () => {
  it.each(CASES)('%s survives workers that %j on a first attempt', async (backend, kinds) => {
    // Prepare: the plan is drawn from the seed; the markers live in a folder of this case alone
    const plan = faultPlan(BATCHES, kinds, 0.35, backend);
    const dir = mkdtempSync(join(scratch, `${backend}-`));
    const faults = Object.fromEntries(plan);
    // Act: a short timeout ends the hanging attempts. Retries leave room for collateral losses: a child that dies
    // takes the batches already queued to it along (each such loss is an attempt of an innocent batch).
    const { result, stats } = await fanout(
      CHAOS_TASK,
      { batches: BATCHES, dir, faults },
      { backend, workers: 2, timeoutMs: 1500, retries: 4, speculate: false },
    );
    // Assess
    const errors = stats.records.filter((r) => r.status === 'error');
    const codeOf: Record<WorkerFault, string> = { throw: 'ETASK', hang: 'ETIMEOUT', exit: 'ECRASH', sigkill: 'ECRASH' };
    const own = [...plan].map(([i, kind]) =>
      errors.find((r) => Number(r.batchId) === i && r.errorCode === codeOf[kind]),
    );
    const collateral = errors.filter((r) => !own.includes(r));
    printFaults(backend, { ...tally(plan.values()), collateral: collateral.map((r) => `${r.batchId}:${r.errorCode}`) });
    expect(result).toBe(serial(BATCHES));
    expectEachBatchMergedOnce(stats, BATCHES);
    expect(stats.duplicates).toBe(0);
    // every injected fault is a failed attempt of its batch with the code it must surface as (its first attempt, or a
    // later one when the first was lost along with a worker that another fault killed)
    expect(own.every((r) => r !== undefined)).toBe(true);
    // anything else that failed was lost with a worker that died or was killed, never a task error
    expect(collateral.every((r) => r.errorCode === 'ECRASH' || r.errorCode === 'ETIMEOUT')).toBe(true);
    expect(stats.retries).toBe(errors.length);
  });

  it.each(['thread', 'process'] as const)(
    'wordcount on %s survives a document server answering 503, 429, resets and stalls',
    async (backend) => {
      // Prepare: 30 documents from a seeded vocabulary; the query string (with the seed) picks which paths misbehave
      const rnd = seededRandom(SEED);
      const vocab = ['alpha', 'Beta', 'GAMMA', 'delta', 'x1y', 'naïve', 'e-mail', 'the', 'The'];
      const docsDir = mkdtempSync(join(scratch, `docs-${backend}-`));
      const texts: string[] = [];
      for (let d = 0; d < 30; d++) {
        const words = Array.from(
          { length: 50 + Math.floor(rnd() * 200) },
          () => vocab[Math.floor(rnd() * vocab.length)],
        );
        const text = `${words.join(d % 2 ? ' ' : ',\n')}\n`;
        texts.push(text);
        writeFileSync(join(docsDir, `doc-${d}.txt`), text);
      }
      const server = await startDocsServer({ dir: docsDir, faults: { rate: 0.5, retryAfterS: 0, slowMs: 100 } });
      try {
        const urls = server.documents.map((u) => `${u}?seed=${SEED}&b=${backend}`);
        // Act
        const { result, stats } = await fanout(
          'wordcount',
          { urls, fetchRetries: 3, fetchTimeout: 5000, top: 5 },
          { backend, workers: 2, batchSize: 4, speculate: false },
        );
        // Assess
        printFaults(`wordcount/${backend} docs-server`, { ...server.injected });
        expect(Object.values(server.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        expect(result).toEqual(referenceWordcount(texts, 5));
        expect(stats.failed).toBeUndefined();
        expectEachBatchMergedOnce(stats, stats.batches);
        expect(stats.duplicates).toBe(0);
      } finally {
        await server.close();
      }
    },
  );
});
