import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanoutCli } from '../helpers/fanout-cli.js';
import { type ServeDocsChild, startServeDocs } from '../helpers/serve-docs-child.js';
import { type AttemptEvent, validateTrace } from '../helpers/trace-format.js';

const readTrace = (file: string) => validateTrace(JSON.parse(readFileSync(file, 'utf8')));

/** Batch ids merged (status ok) per run, each listed as often as it appears. */
function okIds(attempts: AttemptEvent[]): string[] {
  return attempts
    .filter((e) => e.args.status === 'ok' && e.args.stage === 'cpu')
    .map((e) => e.args.batchId)
    .sort((a, b) => Number(a) - Number(b));
}

describe('--trace through the real binary', () => {
  let dir: string;
  let docs: string;
  let server: ServeDocsChild | undefined;
  let indexUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fanout-trace-'));
    docs = join(dir, 'docs');
    mkdirSync(docs);
    for (let d = 0; d < 12; d++) writeFileSync(join(docs, `doc-${d}.txt`), `alpha beta ${'gamma '.repeat(d + 1)}\n`);
    server = await startServeDocs(docs, ['--fail-rate', '0.3']);
    indexUrl = server.indexUrl;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run --json without --records writes every attempt of a process run, one lane per worker', async () => {
    // Prepare
    const file = join(dir, 'run.json');
    // Act
    const r = await fanoutCli([
      ...['run', 'primes', '--limit', '3000000', '--batch-size', '300000', '--backend', 'process', '--workers', '2'],
      ...['--trace', file, '--json'],
    ]);
    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.trace).toBe(file);
    expect(doc.stats.records).toBeUndefined();
    const t = readTrace(file);
    expect([...t.processNames.values()]).toEqual(['process']);
    const cpu = t.attempts.filter((e) => e.args.stage === 'cpu');
    expect(cpu).toHaveLength(doc.stats.batches + doc.stats.retries);
    expect(okIds(t.attempts)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    // every attempt names its worker's lane; the pool starts on its first ready child, so on short runs the second may
    // join after the last batch went out
    const lanes = new Set(cpu.map((e) => e.args.worker));
    expect([...lanes].every((lane) => lane === 'process-0' || lane === 'process-1')).toBe(true);
    expect(lanes.size).toBeGreaterThanOrEqual(1);
    expect(cpu.every((e) => e.args.side === 'process' && typeof e.args.cpuMs === 'number')).toBe(true);
    expect(t.runs).toHaveLength(1);
    const inFlight = t.counters.map((c) => c.args.cpu ?? 0);
    expect(Math.max(...inFlight)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...inFlight)).toBeLessThanOrEqual(2); // two workers
    expect(inFlight.at(-1)).toBe(0);
  });

  it('a failed run still writes its trace: every attempt of the failing batch with its error', async () => {
    // Prepare
    const file = join(dir, 'failed.json');
    // Act
    const r = await fanoutCli([
      ...['run', 'fault', '--batches', '6', '--ms', '5', '--fail-on', '3', '--retries', '2'],
      ...['--backend', 'thread', '--workers', '2', '--trace', file],
    ]);
    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`trace of the failed run written to ${file}`);
    const t = readTrace(file);
    const failing = t.attempts.filter((e) => e.args.batchId === '3');
    expect(failing.map((e) => e.args.attempt)).toEqual([1, 2, 3]);
    expect(
      failing.every((e) => e.args.status === 'error' && /injected failure in batch 3/.test(e.args.error ?? '')),
    ).toBe(true);
    expect(failing.every((e) => e.args.errorCode === 'ETASK')).toBe(true);
  });

  it('a wordcount run traces each fetch on its fetch-thread lane, above the cpu lanes', async () => {
    // Prepare
    const file = join(dir, 'wordcount.json');
    // Act
    const r = await fanoutCli([
      ...['run', 'wordcount', '--urls', indexUrl, '--backend', 'thread', '--workers', '2', '--trace', file, '--json'],
    ]);
    // Assess
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.result.totalWords).toBe(12 * 2 + 78); // alpha + beta per doc, gamma 1 + 2 + … + 12
    const t = readTrace(file);
    const fetches = t.attempts.filter((e) => e.args.stage === 'fetch');
    const okFetches = fetches.filter((e) => e.args.status === 'ok').map((e) => e.args.batchId);
    expect(okFetches.filter((u) => /doc-\d+\.txt$/.test(u))).toHaveLength(12);
    expect(new Set(okFetches).size).toBe(okFetches.length);
    expect(fetches.every((e) => e.cat.startsWith('fetch,'))).toBe(true);
    // fetch lanes are the first threads of the process, above the cpu lanes
    const fetchTids = new Set(fetches.map((e) => e.tid));
    const cpuTids = new Set(t.attempts.filter((e) => e.args.stage === 'cpu').map((e) => e.tid));
    expect(Math.max(...fetchTids)).toBeLessThan(Math.min(...cpuTids));
    expect(t.counters.some((c) => (c.args.fetch ?? 0) > 0)).toBe(true);
  });

  it('compare --runs 2 writes both runs of every backend, and the HTML report links to the trace', async () => {
    // Prepare
    const file = join(dir, 'compare.json');
    const report = join(dir, 'report.html');
    // Act
    const r = await fanoutCli([
      ...['compare', 'primes', '--limit', '2000000', '--batch-size', '400000', '--backends', 'inline,thread'],
      ...['--runs', '2', '--workers', '2', '--trace', file, '--report', report, '--json'],
    ]);
    // Assess
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.trace).toBe(file);
    const t = readTrace(file);
    expect(new Set(t.processNames.values())).toEqual(new Set(['inline', 'thread']));
    for (const [pid, backend] of t.processNames) {
      const runs = t.runs.filter((e) => e.pid === pid);
      expect(runs.map((e) => e.args.run)).toEqual([1, 2]);
      for (const run of [1, 2]) {
        const mine = t.attempts.filter((e) => e.pid === pid && e.args.run === run);
        expect(okIds(mine), `${backend} run ${run}`).toEqual(['0', '1', '2', '3', '4']);
        expect(mine.every((e) => e.args.side === backend)).toBe(true);
      }
    }
    // runs do not overlap on the time axis: they ran one after another
    const spans = t.runs.map((e) => [e.ts, e.ts + e.dur] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<a class="trace" href="compare.json">compare.json</a>');
  });

  it('refuses an unwritable --trace path before running anything, exit 2', async () => {
    // Act
    const r = await fanoutCli(['run', 'primes', '--limit', '1000', '--trace', join(dir, 'missing', 't.json')]);
    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^fanout: Expected `--trace` to be a writable file path, got `.*t\.json` \(.* does not exist\)/,
    );
    expect(r.stdout).toBe('');
  });
});
