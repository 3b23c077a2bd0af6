/**
 * One measured run for bench/memory.ts, in a fresh `node --expose-gc` process so nothing the other suites left in the
 * heap counts: N distinct URLs (10 small documents behind distinct query strings, made lazily by a generator), the docs
 * server in this process, wordcount on the inline backend, batch size 256, fetch concurrency 64 — the set-up of the
 * memory test in test/integration/wordcount-pipeline.test.ts. RSS is sampled every 100 ms; prints one JSON line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDocs } from '../orchestrator/docs-server/demo-docs.js';
import { startDocsServer } from '../orchestrator/docs-server/docs-server.js';
import { fanout } from '../orchestrator/fanout.js';

const urls = Number(process.argv[2] ?? 100_000);
const dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-bench-mem-')), 10, 20);
const server = await startDocsServer({ dir });
const docs = server.documents;
function* list(): Generator<string> {
  for (let i = 0; i < urls; i++) yield `${docs[i % docs.length]}?i=${i}`;
}
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage();
let peak = before;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peak.rss) peak = m;
}, 100);
const t0 = performance.now();
const { stats } = await fanout(
  'wordcount',
  { urls: list(), top: 3, fetchConcurrency: 64 },
  { backend: 'inline', workers: 2, batchSize: 256 },
);
clearInterval(sampler);
const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
console.log(
  JSON.stringify({
    urls,
    wallMs: Math.round(performance.now() - t0),
    fetched: stats.stages?.fetch?.items,
    rssGrowthMb: mb(peak.rss - before.rss),
    atPeak: { rssMb: mb(peak.rss), heapTotalMb: mb(peak.heapTotal), heapUsedMb: mb(peak.heapUsed) },
    baseRssMb: mb(before.rss),
  }),
);
await server.close();
