import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanoutCli } from '../helpers/fanout-cli.js';

/**
 * The network guard and URL hygiene through the real binary, against a real server on 127.0.0.1. No packet ever goes
 * to 169.254.x: the redirect target is an address literal, refused before any socket is opened (and were the guard
 * broken, the attempt would fail with a connect error instead of the refusal the test asserts).
 */
describe('wordcount refuses link-local / metadata addresses and hides URL credentials', () => {
  let server: Server;
  let base: string;
  let dir: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.url} auth=${req.headers.authorization ?? ''}`);
      if (req.url === '/to-metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/' }).end();
      } else if (req.url === '/to-mapped') {
        res.writeHead(307, { location: 'http://[::ffff:169.254.169.254]/' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('alpha beta beta\n');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'fanout-guard-'));
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails each refused URL for good with a reason naming the address; the rest is counted; exit 3', async () => {
    // Prepare
    const list = join(dir, 'urls.txt');
    const longLine = `${base}/${'x'.repeat(20_000)}`;
    writeFileSync(
      list,
      [
        `${base}/ok`,
        `${base}/to-metadata`,
        `${base}/to-mapped`,
        'http://169.254.169.254/latest/meta-data/',
        'http://[fe80::1]/',
        `http://me:hunter2@127.0.0.1:1/refused`,
        longLine,
      ].join('\n'),
    );
    // Act
    const r = await fanoutCli(
      ['run', 'wordcount', '--urls', list, '--backend', 'inline', '--fetch-retries', '0', '--json'],
      { timeout: 60_000 },
    );
    // Assess
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as {
      result: { totalWords: number };
      stats: { failed: { item: string; reason: string }[] };
    };
    expect(doc.result.totalWords).toBe(3);
    const reasons = Object.fromEntries(doc.stats.failed.map((f) => [f.item, f.reason]));
    expect(reasons[`${base}/to-metadata`]).toMatch(
      /^redirect: refused to connect: 169\.254\.169\.254 is a cloud metadata/,
    );
    expect(reasons[`${base}/to-mapped`]).toMatch(
      /^redirect: refused to connect: .*169\.254\.169\.254, a cloud metadata/,
    );
    expect(reasons['http://169.254.169.254/latest/meta-data/']).toMatch(/cloud metadata address.*--allow-link-local/);
    expect(reasons['http://[fe80::1]/']).toMatch(/link-local address \(fe80::\/10\)/);
    expect(reasons['http://me:***@127.0.0.1:1/refused']).toMatch(/ECONNREFUSED/);
    expect(doc.stats.failed.find((f) => f.reason.includes('longer than 8192'))?.item.length).toBeLessThan(200);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    expect(r.stdout.length).toBeLessThan(10_000);
    // only the two redirecting URLs and /ok reached our server; nothing followed the redirects
    expect(seen.filter((s) => s.startsWith('/to-')).length).toBe(2);
  });

  it('--allow-link-local is a wordcount flag, listed in the help and accepted by run', async () => {
    // whether the flag really lets a fetch through is asserted without a packet to 169.254.x in
    // test/unit/fetch/fetch-url-guard.test.ts (undici MockAgent); here: the CLI knows it and a run with it succeeds
    const help = await fanoutCli(['run', 'wordcount', '--help']);
    expect(help.stdout).toMatch(/--allow-link-local\s+wordcount: also fetch link-local and cloud-metadata/);
    const list = join(dir, 'allowed.txt');
    writeFileSync(list, `${base}/ok\n`);
    const r = await fanoutCli([
      'run',
      'wordcount',
      '--urls',
      list,
      '--backend',
      'inline',
      '--allow-link-local',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { result: { totalWords: number } }).result.totalWords).toBe(3);
  });
});
