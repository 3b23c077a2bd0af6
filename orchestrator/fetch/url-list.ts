import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { inputError } from '../errors.js';
import { checkHttpUrl } from './http-url.js';

/** One entry of a URL list: a URL to fetch, or a line that cannot be fetched and why. */
export type UrlItem = { url: string } | { item: string; reason: string };

/** Where the URLs come from: a file path, the http(s) URL of a list, or (library API) any iterable of URLs. */
export type UrlSource = string | Iterable<string> | AsyncIterable<string>;

/**
 * Streams a URL list one entry at a time, so 100,000 URLs never sit in memory at once.
 *
 * Decisions: blank lines and `#` comments are skipped. A line that is not an absolute http(s) URL (malformed, `ftp:`,
 * `file:`) does not stop the run: it comes out as a failed item, ends up in `stats.failed` with its line number, and
 * the CLI exits 3. A list that cannot be read at all (missing file, list URL answering non-2xx) is bad input: EINPUT
 * naming `urls`.
 */
export async function* readUrlList(source: UrlSource, timeoutMs = 30_000): AsyncGenerator<UrlItem> {
  let lineNo = 0;
  for await (const raw of linesOf(source, timeoutMs)) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const checked = checkHttpUrl(line);
    yield checked.ok ? { url: line } : { item: line, reason: `line ${lineNo}: ${checked.reason}` };
  }
}

async function* linesOf(source: UrlSource, timeoutMs: number): AsyncIterable<string> {
  if (typeof source !== 'string') {
    yield* source as AsyncIterable<string>;
    return;
  }
  if (/^https?:\/\//i.test(source)) {
    yield* lines(await openListUrl(source, timeoutMs));
    return;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw inputError(`Expected \`urls\` to be a file path or an http(s) URL of a list, got \`${source}\``);
  }
  try {
    const s = await stat(source);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw inputError(
      `Expected \`urls\` to be a readable file or an http(s) URL of a list, got \`${source}\` (${(err as Error).message})`,
    );
  }
  yield* lines(createReadStream(source, { encoding: 'utf8' }));
}

async function openListUrl(url: string, timeoutMs: number): Promise<Readable> {
  try {
    const res = await request(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump();
      throw new Error(`HTTP ${res.statusCode}`);
    }
    return res.body;
  } catch (err) {
    const e = err as { code?: string; message?: string; name?: string };
    const why = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.code ?? e.message ?? String(err));
    throw inputError(`Could not read the URL list \`${url}\` given as \`urls\`: ${why}`);
  }
}

function lines(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
}
