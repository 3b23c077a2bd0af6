import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFanoutError } from '../../../orchestrator/errors.js';
import { checkHttpUrl, parseRetryAfter } from '../../../orchestrator/fetch/http-url.js';
import { MAX_URL_LINE_CHARS, readUrlList, type UrlItem } from '../../../orchestrator/fetch/url-list.js';

async function collect(source: Parameters<typeof readUrlList>[0]): Promise<UrlItem[]> {
  const out: UrlItem[] = [];
  for await (const item of readUrlList(source)) out.push(item);
  return out;
}

describe('checkHttpUrl', () => {
  it('accepts http and https only', () => {
    expect(checkHttpUrl('http://127.0.0.1:1/a').ok).toBe(true);
    expect(checkHttpUrl('https://example.org/').ok).toBe(true);
    expect(checkHttpUrl('ftp://x/y')).toEqual({
      ok: false,
      reason: expect.stringContaining('unsupported scheme `ftp:`'),
    });
    expect(checkHttpUrl('file:///etc/passwd')).toEqual({ ok: false, reason: expect.stringContaining('`file:`') });
    expect(checkHttpUrl('no scheme here')).toEqual({ ok: false, reason: 'malformed URL `no scheme here`' });
  });

  it('resolves relative redirects against the base', () => {
    const r = checkHttpUrl('/b?x=1', new URL('http://127.0.0.1:9/a/c'));
    expect(r.ok && r.url.href).toBe('http://127.0.0.1:9/b?x=1');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000 + 3000).toUTCString(), 10_000)).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('readUrlList', () => {
  it('streams a file: skips blanks and comments, turns bad lines into failed items with line numbers', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fanout-urls-'));
    const file = join(dir, 'urls.txt');
    writeFileSync(file, '# docs\nhttp://127.0.0.1:1/a\r\n\n  https://127.0.0.1:2/b  \nftp://x/y\nnot a url\n');
    // Act
    const items = await collect(file);
    // Assess
    expect(items).toEqual([
      { url: 'http://127.0.0.1:1/a' },
      { url: 'https://127.0.0.1:2/b' },
      { item: 'ftp://x/y', reason: expect.stringMatching(/^line 5: unsupported scheme/) },
      { item: 'not a url', reason: 'line 6: malformed URL `not a url`' },
    ]);
  });

  it('takes any iterable of URLs (library API)', async () => {
    expect(await collect(['http://127.0.0.1:1/a', 'gopher://x'])).toEqual([
      { url: 'http://127.0.0.1:1/a' },
      { item: 'gopher://x', reason: expect.stringContaining('line 2') },
    ]);
  });

  it('a missing list file or a list URL nobody answers is EINPUT naming `urls`', async () => {
    const missing = await collect('/nonexistent/urls.txt').catch((e: unknown) => e);
    expect(isFanoutError(missing, 'EINPUT')).toBe(true);
    expect((missing as Error).message).toMatch(/^Expected `urls` to be a readable file.*\/nonexistent\/urls.txt/);
    const refused = await collect('http://127.0.0.1:1/list.txt').catch((e: unknown) => e);
    expect(isFanoutError(refused, 'EINPUT')).toBe(true);
    expect((refused as Error).message).toMatch(/Could not read the URL list .* given as `urls`: ECONNREFUSED/);
  });
});

describe('readUrlList hygiene', () => {
  it('an over-long line is one failed item, clipped, never held whole; the lines after it still come', async () => {
    // Prepare: a 50 MB line between two good ones, written in one go so the reader gets it in many chunks
    const dir = mkdtempSync(join(tmpdir(), 'fanout-urls-'));
    const file = join(dir, 'urls.txt');
    const huge = `http://127.0.0.1:1/${'a'.repeat(50 * 1024 * 1024)}`;
    writeFileSync(file, `\uFEFFhttp://127.0.0.1:1/first\n${huge}\nhttp://127.0.0.1:1/last\n`);
    // Act
    const items = await collect(file);
    // Assess
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ url: 'http://127.0.0.1:1/first' });
    expect(items[2]).toEqual({ url: 'http://127.0.0.1:1/last' });
    const bad = items[1] as { item: string; reason: string };
    expect(bad.reason).toBe(`line 2: longer than ${MAX_URL_LINE_CHARS} characters (${huge.length}), not fetched`);
    expect(bad.item.length).toBeLessThanOrEqual(101);
  });

  it('a line of exactly the cap is kept, one more character is refused (files and iterables alike)', async () => {
    const at = `http://127.0.0.1:1/${'b'.repeat(MAX_URL_LINE_CHARS - 19)}`;
    expect(at).toHaveLength(MAX_URL_LINE_CHARS);
    const dir = mkdtempSync(join(tmpdir(), 'fanout-urls-'));
    const file = join(dir, 'urls.txt');
    writeFileSync(file, `${at}\r\n${at}b\n`);
    for (const source of [file, [at, `${at}b`]]) {
      const items = await collect(source);
      expect(items[0]).toEqual({ url: at });
      expect(items[1]).toMatchObject({
        reason: expect.stringMatching(/^line 2: longer than 8192 characters \(8193\)/),
      });
    }
  });

  it('masks credentials in failed items and in the list-URL error', async () => {
    const items = await collect(['ftp://me:hunter2@127.0.0.1/x', 'http://me:hunter2@[bad/']);
    expect(JSON.stringify(items)).not.toContain('hunter2');
    expect(items[0]).toEqual({ item: 'ftp://me:***@127.0.0.1/x', reason: expect.stringContaining('me:***@') });
    const refused = await collect('http://me:hunter2@127.0.0.1:1/list.txt').catch((e: unknown) => e);
    expect((refused as Error).message).toContain('`http://me:***@127.0.0.1:1/list.txt`');
    expect((refused as Error).message).not.toContain('hunter2');
  });

  it('a non-string entry of an iterable is a failed item, not a crash', async () => {
    expect(await collect([42 as unknown as string])).toEqual([{ item: '42', reason: 'entry 1: not a string' }]);
  });

  it('a list URL at the metadata address is refused before connecting', async () => {
    const err = await collect('http://169.254.169.254/latest/urls.txt').catch((e: unknown) => e);
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toMatch(/cloud metadata address .*--allow-link-local/);
  });
});
