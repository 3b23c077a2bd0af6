import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalBatches, startCli, until } from '../helpers/cli-process.js';
import { fanoutCli, fixture } from '../helpers/fanout-cli.js';
import { isRunning } from '../helpers/process-tree.js';
import { type ServeDocsChild, startServeDocs } from '../helpers/serve-docs-child.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout-resume-'));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
const journalFile = (name: string): string => join(dir, `${name}-${seq++}.journal`);

/**
 * Starts `args --journal J`, stops it with `signal` once the journal holds at least `after` batches, then runs
 * `args --resume J --json` to the end and returns its document and how many batches the journal held at the stop.
 */
async function interruptThenResume(args: string[], signal: 'SIGINT' | 'SIGKILL', after: number) {
  const journal = journalFile('run');
  const first = startCli([...args, '--journal', journal]);
  started.push(first.pid);
  await until(() => journalBatches(journal) >= after, 60_000, `${after} merged batches`);
  first.child.kill(signal);
  const code = await first.exited;
  const atStop = journalBatches(journal);
  const resumed = await fanoutCli([...args, '--resume', journal, '--json'], { timeout: 120_000 });
  expect(resumed.code, resumed.stderr).toBe(0);
  return { code, atStop, doc: JSON.parse(resumed.stdout), journal };
}

async function uninterrupted(args: string[]): Promise<unknown> {
  const r = await fanoutCli([...args, '--json'], { timeout: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).result;
}

describe('--journal / --resume through the real binary', () => {
  const slow = ['run', fixture('slow-sum-task.js'), '--n', '16', '--ms', '150'];
  // sum of 0 … 15999, every batch exactly once
  const exact = { sum: (16_000 * 15_999) / 2, seen: Array.from({ length: 16 }, (_, k) => k) };

  it.each([
    ['SIGINT', 1, 'inline'],
    ['SIGKILL', 4, 'process'],
    ['SIGKILL', 11, 'thread'],
  ] as const)('user task: %s after %i batches on %s, resumed → the exact answer', async (signal, after, backend) => {
    const args = [...slow, '--backend', backend, '--workers', '2'];
    const { code, atStop, doc } = await interruptThenResume(args, signal, after);
    expect(code).toBe(signal === 'SIGINT' ? 130 : 137);
    expect(doc.result).toEqual(exact);
    expect(doc.stats.resumed).toBeGreaterThanOrEqual(atStop);
    expect(doc.stats.resumed).toBeGreaterThanOrEqual(after);
    // every batch merged once: the resumed ones plus the ones run now make the whole
    expect(doc.stats.resumed + doc.stats.batches).toBe(16);
  });

  it('primes: kill -9 of fanout mid-run, resumed → the same count as an uninterrupted run', async () => {
    const args = ['run', 'primes', '--limit', '2e8', '--batch-size', '1e7', '--backend', 'process', '--workers', '2'];
    const { doc } = await interruptThenResume(args, 'SIGKILL', 3);
    expect(doc.stats.resumed).toBeGreaterThan(0);
    expect(doc.stats.resumed + doc.stats.batches).toBe(20);
    expect(doc.result).toEqual(await uninterrupted(args));
  });

  it('hash: SIGINT mid-run, resumed → the same digest as an uninterrupted run', async () => {
    const args = ['run', 'hash', '--batches', '24', '--rounds', '10000', '--backend', 'thread', '--workers', '2'];
    const { doc } = await interruptThenResume(args, 'SIGINT', 2);
    expect(doc.stats.resumed).toBeGreaterThan(0);
    expect(doc.result).toEqual(await uninterrupted(args));
  });

  describe('wordcount by URL', () => {
    let server: ServeDocsChild | undefined;
    let indexUrl: string;
    let docs: string;

    beforeAll(async () => {
      docs = mkdtempSync(join(dir, 'docs-'));
      for (let d = 0; d < 20; d++) {
        const words = Array.from({ length: 200 + d }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][(i * d) % 4]);
        writeFileSync(join(docs, `doc-${d}.txt`), `${words.join(' ')} doc${String.fromCharCode(97 + d)}\n`);
      }
      server = await startServeDocs(docs, ['--latency-ms', '150']);
      indexUrl = server.indexUrl;
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('kill -9 mid-run, resumed → the same counts as an uninterrupted run, no document counted twice', async () => {
      const args = ['run', 'wordcount', '--urls', indexUrl, '--batch-size', '2', '--fetch-concurrency', '2'];
      const { doc } = await interruptThenResume([...args, '--backend', 'process', '--workers', '2'], 'SIGKILL', 3);
      expect(doc.stats.resumed).toBeGreaterThanOrEqual(3);
      expect(doc.stats.resumed + doc.stats.batches).toBe(10);
      expect(doc.result).toEqual(await uninterrupted([...args, '--backend', 'inline']));
      expect(doc.result.distinctWords).toBe(4 + 20);
      // the documents of resumed batches are not fetched again
      expect(doc.stats.stages.fetch.items).toBe(20 - 2 * doc.stats.resumed);
    });
  });
});

describe('journals that cannot be resumed: one line, exit 2', () => {
  let journal: string;
  const args = ['run', fixture('slow-sum-task.js'), '--n', '3', '--ms', '0', '--backend', 'inline'];

  beforeAll(async () => {
    journal = journalFile('complete');
    const r = await fanoutCli([...args, '--journal', journal]);
    expect(r.code, r.stderr).toBe(0);
  });

  const refused = async (runArgs: string[], why: RegExp): Promise<void> => {
    const r = await fanoutCli(runArgs);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(why);
    expect(r.stdout).toBe('');
  };

  it('a finished journal resumes with nothing left to run', async () => {
    const r = await fanoutCli([...args, '--resume', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.stats.resumed).toBe(3);
    expect(doc.stats.batches).toBe(0);
    expect(doc.result.sum).toBe((3000 * 2999) / 2);
  });

  it('another input', () =>
    refused(
      ['run', fixture('slow-sum-task.js'), '--n', '4', '--ms', '0', '--resume', journal],
      /is of another run \(its input is/,
    ));

  it('another task', () => refused(['run', 'primes', '--limit', '1000', '--resume', journal], /its task is/));

  it('another version of the task module', async () => {
    const mod = join(dir, 'edited-task.js');
    const src = readFileSync(fixture('slow-sum-task.js'), 'utf8').replace(
      "'../../dist/",
      `'${join(process.cwd(), 'dist')}/`,
    );
    writeFileSync(mod, src);
    const j = journalFile('edited');
    expect((await fanoutCli(['run', mod, '--n', '2', '--ms', '0', '--journal', j])).code).toBe(0);
    // a real code change (a comment-only edit bundles to the same code, so the same version)
    writeFileSync(mod, `${src}\nglobalThis.__fanoutEdited = 1;\n`);
    await refused(['run', mod, '--n', '2', '--ms', '0', '--resume', j], /its version is `/);
  });

  it('a truncated journal', async () => {
    const cut = journalFile('cut');
    const data = readFileSync(journal);
    writeFileSync(cut, data.subarray(0, data.length - 5));
    await refused([...args, '--resume', cut], /is truncated/);
    writeFileSync(cut, data.subarray(0, 30));
    await refused([...args, '--resume', cut], /is truncated/);
  });

  it('a flipped byte', async () => {
    const bad = journalFile('flipped');
    const data = Buffer.from(readFileSync(journal));
    data[data.length - 3] = (data[data.length - 3] as number) ^ 0xff;
    writeFileSync(bad, data);
    await refused([...args, '--resume', bad], /is corrupt/);
  });

  it('garbage, and a file that is not there', async () => {
    const junk = journalFile('junk');
    writeFileSync(junk, 'hello, I am not a journal\n\u0000\u0001');
    await refused([...args, '--resume', junk], /is not a fanout journal/);
    await refused([...args, '--resume', join(dir, 'missing.journal')], /Cannot read journal .*ENOENT/);
  });

  it('--journal over an existing file is refused rather than overwritten', async () => {
    const before = readFileSync(journal);
    await refused([...args, '--journal', journal], /already exists; pass `--resume/);
    expect(readFileSync(journal)).toEqual(before);
  });

  it('a temporary file left by a killed writer does not matter', async () => {
    const j = journalFile('stale');
    copyFileSync(journal, j);
    writeFileSync(`${j}.tmp`, 'half a write');
    const r = await fanoutCli([...args, '--resume', j, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stats.resumed).toBe(3);
  });
});
