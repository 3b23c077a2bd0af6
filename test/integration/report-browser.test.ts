import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HybridBackend } from '../../orchestrator/backends/hybrid/hybrid-backend.js';
import { ProcessBackend } from '../../orchestrator/backends/process/process-backend.js';
import { ThreadBackend } from '../../orchestrator/backends/thread/thread-backend.js';
import { type Comparison, runComparison } from '../../orchestrator/report/comparison.js';
import { htmlReport } from '../../orchestrator/report/html-report.js';
import { type HeadlessChromium, launchHeadlessChromium } from '../helpers/headless-chromium.js';

const outDir = fileURLToPath(new URL('../../test-output/', import.meta.url));

describe('HTML report in headless Chromium', () => {
  let browser: HeadlessChromium;
  let comparison: Comparison;
  const reportFile = `${outDir}report.html`;

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    comparison = await runComparison({
      task: 'primes',
      input: { limit: 20_000_000 },
      // a hybrid of two local sides draws two colours in one timeline without needing the emulator
      backends: [
        'inline',
        'thread',
        'process',
        new HybridBackend({ local: new ProcessBackend({ workers: 1 }), remote: new ThreadBackend({ workers: 1 }) }),
      ],
      options: { workers: 2, batchSize: 1_000_000 },
    });
    writeFileSync(reportFile, htmlReport([comparison], 'fanout compare — report test'));
    browser = await launchHeadlessChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens without console errors or requests, draws one bar per batch attempt, and is screenshotted', async () => {
    // Prepare
    const page = await browser.context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => requests.push(r.url()));

    // Act
    await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
    const perRun = await page.$$eval('div.run', (runs) =>
      runs.map((run) => ({
        backend: run.getAttribute('data-backend'),
        bars: run.querySelectorAll('svg.timeline rect[data-batch]').length,
        titled: run.querySelectorAll('svg.timeline rect[data-batch] > title').length,
      })),
    );
    const tableRows = await page.$$eval('table.comparison tr[data-backend]', (rows) => rows.length);
    // runs in the page: the DOM globals are the browser's, not typed here
    const overflowX = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    await page.screenshot({ path: `${outDir}report.png`, fullPage: false });
    await page.close();

    // Assess
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(tableRows).toBe(4);
    expect(perRun.map((r) => r.backend)).toEqual(['inline', 'thread', 'process', 'hybrid']);
    for (const [i, run] of perRun.entries()) {
      const attempts = comparison.rows[i]?.stats.records.length;
      expect(attempts).toBeGreaterThanOrEqual(20); // 20 batches, plus any speculative copies in hybrid
      expect(run.bars).toBe(attempts);
      expect(run.titled).toBe(attempts);
    }
    expect(overflowX).toBe(false);
    expect(statSync(`${outDir}report.png`).size).toBeGreaterThan(10_000);
  });
});
