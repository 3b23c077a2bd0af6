import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runComparison } from '../../orchestrator/report/comparison.js';
import { formatComparison } from '../../orchestrator/report/comparison-table.js';
import { stageMeasures } from '../../orchestrator/report/stage-measures.js';

/** Fetch-stage CPU, measured in the fetch threads, against a real server in another process. */

const serverScript = fileURLToPath(new URL('../fixtures/compressed-docs-server.mjs', import.meta.url));
let server: ChildProcess;
let base = '';
let dir = '';

beforeAll(async () => {
  server = spawn(process.execPath, [serverScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout?.once('data', (d: Buffer) => resolve(String(d).trim()));
    server.once('error', reject);
  });
  base = `http://127.0.0.1:${port}`;
  dir = mkdtempSync(join(tmpdir(), 'fanout-fetch-cpu-'));
});
afterAll(() => {
  if (server.pid) process.kill(server.pid);
  rmSync(dir, { recursive: true, force: true });
});

async function compareFetch(kind: 'gz' | 'slow') {
  const file = join(dir, `${kind}.txt`);
  writeFileSync(file, Array.from({ length: 16 }, (_, i) => `${base}/${kind}/${i}`).join('\n'));
  return runComparison({
    task: 'wordcount',
    input: { urls: file, fetchOn: 'threads', fetchThreads: 1, fetchConcurrency: 1 },
    backends: ['thread'],
    warmups: 0, // one run is all this needs; fairness is another test's
    options: { workers: 1, batchSize: 4 },
  });
}

describe('fetch stage CPU', () => {
  it('is measured per fetch, above 0, and a decompressing fetch stage gets different advice than a waiting one', {
    timeout: 180_000,
  }, async () => {
    // Act
    const gz = await compareFetch('gz');
    const slow = await compareFetch('slow');

    // Assess: every fetch record carries the fetch thread's CPU; the stage measure is built from them
    const gzFetch = gz.rows[0]?.stats.records.filter((r) => r.stage === 'fetch') ?? [];
    expect(gzFetch).toHaveLength(16);
    for (const r of gzFetch) expect(r.cpuMs).toBeGreaterThan(0);
    const gzStage = stageMeasures(gz.rows[0]?.stats).find((m) => m.stage === 'fetch');
    const slowStage = stageMeasures(slow.rows[0]?.stats).find((m) => m.stage === 'fetch');
    expect(gzStage?.unmeasured).toBe(0);
    expect(gzStage?.cpuMs).toBeGreaterThan(0);
    const share = (m: typeof gzStage) => (m ? m.cpuMs / m.busyMs : Number.NaN);
    // decompressing ~2 MB a document keeps the thread computing; waiting 80 ms for a few words does not
    expect(share(gzStage)).toBeGreaterThan(3 * share(slowStage));
    const gzAdvice = gz.advice.find((a) => a.startsWith('fetch stage'));
    const slowAdvice = slow.advice.find((a) => a.startsWith('fetch stage'));
    expect(slowAdvice).toMatch(/^fetch stage: I\/O-bound/);
    expect(gzAdvice).toMatch(/^fetch stage: (CPU-bound|mixed CPU and I\/O)/);
    expect(gzAdvice).not.toMatch(/CPU 0%/);
    expect(formatComparison(gz)).not.toMatch(/not measured/);
  });
});
