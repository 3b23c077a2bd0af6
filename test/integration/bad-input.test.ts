import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/worker.js';
import { fanoutCli, fixture } from '../helpers/fanout-cli.js';

/**
 * Bad input, one row each, against the real binary: one line on stderr naming the problem, the documented exit code
 * (2 bad input, 1 a task that fails, 3 some input items failed), never a stack line. `{dir}` in a row is a scratch
 * folder with files made in beforeAll; `{fx}` is test/fixtures. A row's pattern is matched against its stderr line,
 * or for exit 3 against the `--json` document's `stats.failed` reasons. No row may echo a credential ("secret").
 * Rows are one line each so others can add theirs (journals, TypeScript modules) without touching the rest.
 */
type Row = [label: string, args: string[], exit: number, pattern: RegExp];

const FX = fixture('');
const ERR = /^(fanout: |error: )/;

// biome-ignore format: one row a line, so rows can be added without touching the others
const CLI_ROWS: Row[] = [
  // run-shaping flags
  ['workers 0', ['run', 'primes', '--workers', '0'], 2, /Expected `--workers` to be a positive integer, got `0`/],
  ['workers fraction', ['run', 'primes', '--workers', '1.5'], 2, /`--workers` to be a positive integer, got `1\.5`/],
  ['timeout negative', ['run', 'primes', '--timeout', '-1'], 2, /`--timeout` to be a non-negative integer, got `-1`/],
  ['retries not a number', ['run', 'primes', '--retries', 'x'], 2, /`--retries` to be a non-negative integer/],
  ['throttle-retries negative', ['run', 'primes', '--throttle-retries', '-2'], 2, /`--throttle-retries` to be a non-negative integer/],
  ['batch-size 0', ['run', 'primes', '--batch-size', '0'], 2, /`--batch-size` to be a positive integer, got `0`/],
  ['unknown backend', ['run', 'primes', '--backend', 'nope'], 2, /Unknown backend `nope`; expected one of inline/],
  ['unknown flag', ['run', 'primes', '--bogus-flag'], 2, /unknown option '--bogus-flag'/],
  ['missing task', ['run'], 2, /missing required argument 'task'/],
  ['unknown command', ['nonsense-command'], 2, /unknown command 'nonsense-command'/],
  ['input not JSON', ['run', 'primes', '--limit', '10', '--input', '{bad'], 2, /`--input` to be a JSON object, got invalid JSON/],
  ['input an array', ['run', 'primes', '--limit', '10', '--input', '[1]'], 2, /`--input` to be a JSON object, got `\[1\]`/],
  // task options
  ['limit not a number', ['run', 'primes', '--limit', 'abc'], 2, /`--limit` to be a non-negative integer, got `abc`/],
  ['limit past 2^53', ['run', 'primes', '--limit', '1e99'], 2, /`--limit` to be a non-negative integer, got `1e99`/],
  ['unknown task', ['run', 'nosuchtask'], 2, /Unknown task `nosuchtask`; expected one of primes/],
  ['sleep ms negative', ['run', 'sleep', '--ms', '-1'], 2, /`--ms` to be a non-negative integer, got `-1`/],
  ['fault batches 0', ['run', 'fault', '--batches', '0'], 2, /`--batches` to be a positive integer, got `0`/],
  // Lambda flags (credentials masked)
  ['endpoint ftp', ['run', 'primes', '--backend', 'lambda', '--lambda-endpoint', 'ftp://x'], 2, /`--lambda-endpoint` to be an http\(s\) URL or `auto`, got `ftp:\/\/x`/],
  ['endpoint malformed, with credentials', ['run', 'primes', '--backend', 'lambda', '--lambda-endpoint', 'http://u:secret@[bad'], 2, /got `http:\/\/u:\*\*\*@\[bad`/],
  ['endpoint ftp, with a token', ['run', 'primes', '--backend', 'lambda', '--lambda-endpoint', 'ftp://secret@host/'], 2, /got `ftp:\/\/\*\*\*@host\/`/],
  ['concurrency 0', ['run', 'primes', '--backend', 'lambda', '--lambda-endpoint', 'http://127.0.0.1:1', '--concurrency', '0'], 2, /`--concurrency` to be an integer from 1 to 10000, got `0`/],
  ['stage with a space', ['run', 'primes', '--backend', 'lambda', '--stage', 'a b'], 2, /`--stage` to be letters, digits and dashes, got `a b`/],
  ['memory 0', ['run', 'primes', '--backend', 'lambda', '--memory', '0'], 2, /`--memory` to be an integer from 128 to 10240, got `0`/],
  // URL lists
  ['wordcount without urls', ['run', 'wordcount'], 2, /Task `wordcount` needs `--urls`/],
  ['urls missing file', ['run', 'wordcount', '--urls', '/nonexistent/urls.txt'], 2, /`urls` to be a readable file .*ENOENT/],
  ['urls a folder', ['run', 'wordcount', '--urls', '{dir}'], 2, /`urls` to be a readable file .*not a regular file/],
  ['urls ftp list', ['run', 'wordcount', '--urls', 'ftp://x/list'], 2, /`urls` to be a file path or an http\(s\) URL of a list, got `ftp:\/\/x\/list`/],
  ['list URL refused, credentials masked', ['run', 'wordcount', '--urls', 'http://me:secret@127.0.0.1:1/list'], 2, /Could not read the URL list `http:\/\/me:\*\*\*@127\.0\.0\.1:1\/list` given as `urls`: ECONNREFUSED/],
  ['list URL at the metadata address', ['run', 'wordcount', '--urls', 'http://169.254.169.254/latest/list'], 2, /cloud metadata address .*--allow-link-local/],
  ['fetch-concurrency 0', ['run', 'wordcount', '--urls', '{dir}/ok.txt', '--fetch-concurrency', '0'], 2, /`--fetch-concurrency` to be a positive integer/],
  ['max-body negative', ['run', 'wordcount', '--urls', '{dir}/ok.txt', '--max-body', '-5'], 2, /`--max-body` to be a positive integer, got `-5`/],
  ['list line too long', ['run', 'wordcount', '--urls', '{dir}/long.txt', '--backend', 'inline', '--json'], 3, /^line 1: longer than 8192 characters \(20020\), not fetched$/],
  ['list line bad scheme', ['run', 'wordcount', '--urls', '{dir}/schemes.txt', '--backend', 'inline', '--json'], 3, /^line 3: unsupported scheme `file:`/],
  ['list line at the metadata address', ['run', 'wordcount', '--urls', '{dir}/metadata.txt', '--backend', 'inline', '--json'], 3, /^refused to connect: 169\.254\.169\.254 is a cloud metadata address/],
  ['list line with credentials', ['run', 'wordcount', '--urls', '{dir}/creds.txt', '--backend', 'inline', '--fetch-retries', '0', '--json'], 3, /ECONNREFUSED/],
  // task modules and what their code does
  ['module exports no task', ['run', '{fx}not-a-task.js'], 2, /does not export a task made with defineTask/],
  ['module missing', ['run', '/nonexistent/task.js'], 2, /Task module not found: \/nonexistent\/task\.js/],
  ['split throws', ['run', '{fx}misbehaving-task.js', '--input', '{"mode":"split-throws"}', '--backend', 'inline'], 1, /split of task `misbehaving-task` failed: split broke at item 2 \[ETASK\]/],
  ['split not iterable', ['run', '{fx}misbehaving-task.js', '--input', '{"mode":"split-not-iterable"}', '--backend', 'inline'], 1, /must return an iterable of batches, got `number` \[ETASK\]/],
  // partials
  ['partial a BigInt (inline)', ['run', '{fx}misbehaving-task.js', '--input', '{"mode":"bigint"}', '--backend', 'inline', '--retries', '0'], 1, /partial that is not JSON.*BigInt.*\[ETASK\]/],
  ['partial a cycle (thread)', ['run', '{fx}misbehaving-task.js', '--input', '{"mode":"cycle"}', '--backend', 'thread', '--workers', '1', '--retries', '0'], 1, /partial that is not JSON.*cycle.*\[ETASK\]/],
  ['partial a function (process)', ['run', '{fx}misbehaving-task.js', '--input', '{"mode":"function"}', '--backend', 'process', '--workers', '1', '--retries', '0'], 1, /partial that is not JSON.*function.*\[ETASK\]/],
  // serve-docs and compare
  ['serve-docs missing folder', ['serve-docs', '/nonexistent'], 2, /`dir` to be a readable folder of text files, got `\/nonexistent`/],
  ['serve-docs port 70000', ['serve-docs', '{dir}', '--port', '70000'], 2, /^fanout: Expected `--port` to be an integer from 0 to 65535, got `70000`$/],
  ['serve-docs port not a number', ['serve-docs', '{dir}', '--port', 'abc'], 2, /`--port` to be a non-negative integer, got `abc`/],
  ['serve-docs fail-rate 2', ['serve-docs', '{dir}', '--fail-rate', '2'], 2, /`--fail-rate` to be a number from 0 to 1, got `2`/],
  ['serve-docs unknown fault kind', ['serve-docs', '{dir}', '--fault-kinds', '503,boom'], 2, /`--fault-kinds` to list 503, 429, reset, slow, got `boom`/],
  ['compare unknown backend', ['compare', 'primes', '--backends', 'inline,nope'], 2, /Unknown backend `nope`/],
  ['compare runs 0', ['compare', 'primes', '--runs', '0'], 2, /`--runs` to be a positive integer, got `0`/],
];

/** Worker events the Lambda handler must refuse with one line naming the problem (called directly, no emulator). */
// biome-ignore format: one row a line, so rows can be added without touching the others
const EVENT_ROWS: [label: string, event: unknown, errorName: string, pattern: RegExp][] = [
  ['no event', undefined, 'FanoutError.EREMOTE.final', /^Invalid worker event, expected \{ task, version\?, batchId, batch \| batchObject \}: \w+: expected object/],
  ['a string', 'primes', 'FanoutError.EREMOTE.final', /^Invalid worker event/],
  ['no batch', { task: 'primes', batchId: '1' }, 'FanoutError.EREMOTE.final', /batch/],
  ['empty task', { task: '', batchId: '1', batch: {} }, 'FanoutError.EREMOTE.final', /task/],
  ['batchId a number', { task: 'primes', batchId: 1, batch: {} }, 'FanoutError.EREMOTE.final', /batchId: expected string/],
  ['batchId over 256 chars', { task: 'primes', batchId: 'x'.repeat(300), batch: {} }, 'FanoutError.EREMOTE.final', /batchId/],
  ['unknown task', { task: 'rm -rf', batchId: '1', batch: {} }, 'FanoutError.EVERSION.final', /^the worker function has no task `rm -rf` \(it has .*primes/],
  ['empty batchId', { task: 'primes', batchId: '', batch: {} }, 'FanoutError.EREMOTE.final', /batchId/],
  ['task name over 128 chars', { task: 't'.repeat(200), batchId: '1', batch: {} }, 'FanoutError.EREMOTE.final', /task/],
];

describe('bad input: one line, the documented exit code, no stack trace', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fanout-bad-input-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'ok.txt'), 'http://127.0.0.1:1/a\n');
    writeFileSync(join(dir, 'long.txt'), `http://127.0.0.1:1/${'x'.repeat(20_001)}\n`);
    writeFileSync(join(dir, 'schemes.txt'), '# comment\n\nfile:///etc/passwd\n');
    writeFileSync(join(dir, 'metadata.txt'), 'http://169.254.169.254/latest/meta-data/\n');
    writeFileSync(join(dir, 'creds.txt'), 'http://me:secret@127.0.0.1:1/doc\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has at least 40 rows', () => {
    expect(CLI_ROWS.length + EVENT_ROWS.length).toBeGreaterThanOrEqual(40);
  });

  it.concurrent.each(CLI_ROWS)('%s', async (_label, args, exit, pattern) => {
    // Act
    const argv = args.map((a) => a.replace('{dir}', dir).replace('{fx}', FX));
    const r = await fanoutCli(argv, {
      timeout: 60_000,
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' },
    });
    // Assess
    expect(r.code).toBe(exit);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout + r.stderr).not.toContain('secret');
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(add --help'));
    if (exit === 3) {
      const doc = JSON.parse(r.stdout) as { stats: { failed: { reason: string }[] } };
      expect(doc.stats.failed.map((f) => f.reason)).toContainEqual(expect.stringMatching(pattern));
      expect(lines).toEqual([]);
    } else {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(ERR);
      expect(lines[0]).toMatch(pattern);
    }
  });

  it.each(EVENT_ROWS)('Lambda event: %s', async (_label, event, errorName, pattern) => {
    const err = (await handler(event).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(errorName);
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain('\n');
  });
});
