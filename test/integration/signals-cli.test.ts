import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journalBatches, startCli, until } from '../helpers/cli-process.js';
import { fixture } from '../helpers/fanout-cli.js';
import { descendants, isRunning, waitAllGone } from '../helpers/process-tree.js';

const started: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fanout-signals-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  // a failed assertion must not leave a CLI running: stop what this file started, by PID
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

function cli(args: string[]) {
  const c = startCli(args);
  started.push(c.pid);
  return c;
}

/** A run long enough to be interrupted: 40 batches of 250 ms. */
const SLOW = ['run', fixture('slow-sum-task.js'), '--n', '40', '--ms', '250'];

describe('signals against the real binary: one policy, nothing left behind', () => {
  it.each([
    ['process', 'SIGINT', 130],
    ['thread', 'SIGTERM', 130],
    ['process', 'SIGHUP', 129],
  ] as const)('run --backend %s, %s → exit %i, "interrupted", no child left', async (backend, signal, code) => {
    // Prepare: a run with 2 workers, stopped once a batch has merged (the journal says so)
    const journal = join(dir, `signal-${backend}-${signal}.journal`);
    const run = cli([...SLOW, '--backend', backend, '--workers', '2', '--json', '--journal', journal]);
    await until(() => journalBatches(journal) >= 1, 30_000, 'a merged batch');
    const tree = descendants(run.pid);
    // Act
    run.child.kill(signal);
    const exit = await run.exited;
    // Assess
    expect(exit, run.stderr()).toBe(code);
    expect(run.stderr()).toContain(`interrupted by ${signal}`);
    expect(run.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    expect(await waitAllGone(tree, 3000)).toEqual([]);
    const doc = JSON.parse(run.stdout());
    expect(doc.error).toEqual({ code: 'ECANCEL', message: `interrupted by ${signal}` });
    expect(doc.partial.batchesMerged).toBe(doc.partial.result.seen.length);
    expect(doc.partial.batchesMerged).toBeGreaterThanOrEqual(1);
    expect(run.stderr()).toContain(`--resume ${journal}`);
  });

  it('inline sees SIGINT between short batches (the event loop is yielded between batches)', async () => {
    // 1,000 batches of 10^7 numbers: each short, the whole run far longer than the test waits
    const run = cli(['run', 'primes', '--limit', '1e10', '--batch-size', '1e7', '--backend', 'inline']);
    await new Promise((r) => setTimeout(r, 2000));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toMatch(
      /interrupted by SIGINT \(\d+ batch(?:es)? had finished; partial result: \{"count":\d+\}\)/,
    );
  });

  it('a second signal exits at once, and the children still go', async () => {
    const run = cli([...SLOW, '--backend', 'process', '--workers', '2']);
    await until(() => descendants(run.pid).length >= 2, 30_000, 'two workers');
    const tree = descendants(run.pid);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(await waitAllGone(tree, 3000)).toEqual([]);
  });

  it('kill -9 of fanout mid-batch: its child processes exit by themselves', async () => {
    // CPU-bound batches of seconds: a child busy in map cannot see the IPC disconnect, its parent watch kills it
    const run = cli(['run', 'primes', '--limit', '4e9', '--backend', 'process', '--workers', '2']);
    await until(() => descendants(run.pid).length >= 2, 30_000, 'two workers');
    await new Promise((r) => setTimeout(r, 500));
    const tree = descendants(run.pid);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(await waitAllGone(tree, 3000)).toEqual([]);
  });

  it('serve-docs: SIGTERM stops the server, says so, exit 130', async () => {
    const srv = cli(['serve-docs', fixture('.')]);
    await srv.waitForStderr(/serving \d+ documents/);
    srv.child.kill('SIGTERM');
    expect(await srv.exited).toBe(130);
    expect(srv.stderr()).toContain('interrupted by SIGTERM, document server stopped');
  });
});

describe('bounds and failure output', () => {
  it('compare --json, interrupted: one document with error and the partial result, exit 130', async () => {
    // inline finishes (its line is logged), then the thread run is interrupted
    const task = fixture('slow-sum-task.js');
    const run = cli(['compare', task, '--n', '12', '--ms', '150', '--backends', 'inline,thread', '--json']);
    await run.waitForStderr(/inline\s+run 1:/);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(130);
    const doc = JSON.parse(run.stdout());
    expect(doc.error).toEqual({ code: 'ECANCEL', message: 'interrupted by SIGINT' });
    expect(doc.backends).toEqual(['inline', 'thread']);
  });

  it('--workers above 4 × cores is one EINPUT line, exit 2, nothing forked', async () => {
    const run = cli(['run', 'primes', '--limit', '1e6', '--workers', '10000']);
    expect(await run.exited).toBe(2);
    expect(run.stderr().trim()).toMatch(
      /^fanout: Expected `--workers` to be an integer from 1 to \d+ \(4 × \d+ cores\), got `10000`$/,
    );
  });

  it('--json on a failed run prints one document: error { code, message } and the partial result', async () => {
    // split throws after its first batch: ETASK, the run fails
    const input = JSON.stringify({ mode: 'split-throws' });
    const run = cli(['run', fixture('misbehaving-task.js'), '--backend', 'inline', '--input', input, '--json']);
    expect(await run.exited).toBe(1);
    const doc = JSON.parse(run.stdout());
    expect(doc.task).toBe('misbehaving-task');
    expect(doc.error).toEqual({ code: 'ETASK', message: expect.stringContaining('split broke at item 2') });
    expect(doc).toHaveProperty('partial');
    // the one batch may or may not have merged before the split threw; what is reported must agree with itself
    if (doc.partial) expect(doc.partial.result).toBe(doc.partial.batchesMerged);
    expect(run.stderr()).toContain('split broke at item 2');
  });
});
