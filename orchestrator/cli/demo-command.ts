import { Command } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../backends/backend.js';
import { demoDocsDir } from '../docs-server/demo-docs.js';
import { startDocsServer } from '../docs-server/docs-server.js';
import { defaultWorkers } from '../options.js';
import { count } from '../plural.js';
import { type Comparison, runComparison } from '../report/comparison.js';
import { formatComparison } from '../report/comparison-table.js';
import { summaryOf } from './commands.js';
import { intFlag, workersFlag } from './common-flags.js';
import { parseBackendList, withLambdaEndpoint, writeReport } from './compare-command.js';
import { interruptSignal } from './interrupt.js';

/** Lambda invocations in flight in the demo (the emulator runs them on this machine's cores). */
const DEMO_LAMBDA_CONCURRENCY = 8;
/** Documents per CPU batch in the demo: small, so the handful of demo texts makes several batches to overlap. */
const WORDCOUNT_BATCH_DOCS = 2;

/**
 * `fanout demo` (what `npm start` runs): the main job on embedded defaults. Starts the Lambda emulator and a local
 * document server, compares a wordcount pipeline and primes on every backend, prints the tables and the advice, and
 * writes one HTML report with a timeline per backend.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(summaryOf('demo'))
    .option('--limit <n>', 'primes: count primes below this number', '1000000000')
    .option('--backends <list>', 'backends to compare', BACKEND_NAMES.join(','))
    .option('--workers <k>', 'local pool size', String(defaultWorkers()))
    .option('--runs <r>', 'repetitions per backend (median reported)', '1')
    .option('--latency-ms <n>', 'wordcount: latency of the local document server, ms', '40')
    .option('--report <file>', 'where to write the HTML report', 'report.html')
    .action(async (flags: Record<string, string>) => {
      const limit = intFlag('limit', flags.limit, false);
      const workers = workersFlag(flags.workers);
      const runs = intFlag('runs', flags.runs, true);
      const latencyMs = intFlag('latency-ms', flags.latencyMs, false);
      const backends: BackendName[] = parseBackendList(flags.backends ?? '');
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const docsDir = demoDocsDir();
      const docs = await startDocsServer({ dir: docsDir, latencyMs });
      log(`document server: ${docs.documents.length} texts from ${docsDir} at ${docs.url} (${latencyMs} ms latency)`);
      const comparisons: Comparison[] = [];
      try {
        await withLambdaEndpoint(
          backends,
          // Always the emulator: a demo must not invoke a real function, even where AWS credentials exist. It shares
          // the local cores, so more than a few instances in flight only adds contention.
          { endpoint: 'auto', concurrency: DEMO_LAMBDA_CONCURRENCY },
          true,
          async (lambda, emulated) => {
            const common = { backends, runs, emulated, options: { workers, lambda, signal: interruptSignal() } };
            const onRun = (backend: string, run: number, wallMs: number, warmup?: boolean): void =>
              log(`  ${backend.padEnd(7)} ${warmup ? 'warm-up' : 'run'} ${run}: ${(wallMs / 1000).toFixed(2)} s`);
            log(`\nwordcount over ${count(docs.documents.length, 'document')} on ${backends.join(', ')}…`);
            comparisons.push(
              await runComparison({
                ...common,
                options: { ...common.options, batchSize: WORDCOUNT_BATCH_DOCS },
                task: 'wordcount',
                input: { urls: docs.indexUrl, top: 5 },
                onRun,
              }),
            );
            console.log(`\n${formatComparison(comparisons[0] as Comparison)}`);
            log(`\nprimes below ${limit.toLocaleString('en')} on ${backends.join(', ')}…`);
            comparisons.push(await runComparison({ ...common, task: 'primes', input: { limit }, onRun }));
            console.log(`\n${formatComparison(comparisons[1] as Comparison)}`);
          },
          log,
        );
      } finally {
        await docs.close();
      }
      const file = writeReport(
        flags.report ?? 'report.html',
        comparisons,
        'fanout demo: wordcount and primes on every backend',
      );
      console.log(`\nReport with a timeline per backend: ${file}`);
    });
}
