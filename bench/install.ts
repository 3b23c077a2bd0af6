/**
 * From an empty folder to the first answer, as a user gets there: `npm pack` of fanout, `npm install <tarball>` into a
 * new ESM project, a first built-in run, `fanout init` (which installs the Serverless tooling), the example task on
 * process and on the emulator. Times each step and measures the tarball and node_modules with and without the tooling.
 * npm's cache is used (--prefer-offline), so install times are those of a warm cache. Writes bench/results/install.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { printTable, repoRoot, writeResult } from './bench-results.js';

const execFileP = promisify(execFile);
const ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

/** Runs a command, returning its wall time in ms and its stdout. */
async function timed(cwd: string, file: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const { stdout } = await execFileP(file, args, { cwd, env: ENV, maxBuffer: 32 * 1024 * 1024 });
  return { ms: Math.round(performance.now() - t0), stdout };
}

/** Bytes under a folder (files' apparent sizes, as `du -sb`). */
async function bytesUnder(dir: string): Promise<number> {
  const { stdout } = await execFileP('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Runs the suite, prints the tables and writes bench/results/install.json. */
export async function run(): Promise<unknown> {
  const packDir = mkdtempSync(join(tmpdir(), 'fanout-bench-pack-'));
  const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-project-'));
  try {
    await execFileP('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: repoRoot });
    const tgz = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')) as string);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-project', private: true, type: 'module' }));
    const bin = join(dir, 'node_modules', 'fanout', 'bin', 'fanout.js');
    const steps: { step: string; ms: number; answer?: string }[] = [];
    const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund'];
    steps.push({ step: 'npm install <tarball>', ...(await timed(dir, 'npm', ['install', ...npmFlags, tgz])) });
    const libraryBytes = await bytesUnder(join(dir, 'node_modules'));
    const first = await timed(dir, process.execPath, [bin, 'run', 'primes', '--limit', '1000000', '--json']);
    steps.push({
      step: 'fanout run primes (first answer)',
      ms: first.ms,
      answer: JSON.stringify(JSON.parse(first.stdout).result),
    });
    steps.push({ step: 'fanout init (installs the tooling)', ...(await timed(dir, process.execPath, [bin, 'init'])) });
    const toolingBytes = await bytesUnder(join(dir, 'node_modules'));
    for (const backend of ['process', 'lambda']) {
      const r = await timed(dir, process.execPath, [bin, 'run', './tasks/example.ts', '--backend', backend, '--json']);
      steps.push({
        step: `fanout run ./tasks/example.ts --backend ${backend}`,
        ms: r.ms,
        answer: JSON.stringify(JSON.parse(r.stdout).result),
      });
    }
    const toFirstAnswer = (steps[0]?.ms ?? 0) + (steps[1]?.ms ?? 0);
    const toLambdaAnswer = steps.reduce((s, x) => s + x.ms, 0);
    const sizes = {
      tarballBytes: statSync(tgz).size,
      libraryOnlyNodeModulesBytes: libraryBytes,
      withToolingNodeModulesBytes: toolingBytes,
      toolingShare: Math.round((toolingBytes / libraryBytes) * 100) / 100,
    };
    printTable(
      'install: an empty folder to the first answer (npm cache warm)',
      steps.map((s) => ({ step: s.step, ms: s.ms, answer: s.answer ?? '' })),
    );
    printTable('install: sizes', [
      { what: 'tarball', MB: mb(sizes.tarballBytes) },
      { what: 'node_modules, fanout only (library, CLI, local backends)', MB: mb(libraryBytes) },
      { what: 'node_modules after fanout init (+ osls, serverless-esbuild, serverless-offline)', MB: mb(toolingBytes) },
    ]);
    console.log(
      `first answer ${toFirstAnswer} ms after the install started; first Lambda (emulator) answer after ${toLambdaAnswer} ms; the tooling makes node_modules ${sizes.toolingShare}× larger`,
    );
    return writeResult('install', {
      steps,
      toFirstAnswerMs: toFirstAnswer,
      toLambdaAnswerMs: toLambdaAnswer,
      ...sizes,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(packDir, { recursive: true, force: true });
  }
}
