import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { inputError } from '../errors.js';
import { redactUrl } from '../redact-url.js';
import { guardedDispatcher } from './address-guard.js';
import { checkHttpUrl } from './http-url.js';
import { request } from './undici-core.js';

/** One entry of a URL list: a URL to fetch, or a line that cannot be fetched and why. */
export type UrlItem = { url: string } | { item: string; reason: string };

/** Where the URLs come from: a file path, the http(s) URL of a list, or (library API) any iterable of URLs. */
export type UrlSource = string | Iterable<string> | AsyncIterable<string>;

/**
 * Longest URL list line accepted, in characters: 8 KiB. Browsers and servers commonly stop at 8 KB of request line, so
 * nothing longer is a URL anyone can fetch; a longer line becomes a failed item and is never held, fetched or echoed
 * whole (only its first {@link SHOWN_CHARS} characters are kept).
 */
export const MAX_URL_LINE_CHARS = 8192;

/** Characters of an over-long line kept to name it in `stats.failed`. */
const SHOWN_CHARS = 100;

/** Options of {@link readUrlList}. */
export interface UrlListOptions {
  /** Deadline to open a list given by URL, ms. @default 30000 */
  timeoutMs?: number;
  /** Let the list URL be a link-local / cloud-metadata address (see address-guard.ts). @default false */
  allowLinkLocal?: boolean;
}

/**
 * Streams a URL list one entry at a time, so 100,000 URLs never sit in memory at once.
 *
 * Decisions: a UTF-8 byte order mark, blank lines and `#` comments are skipped; surrounding whitespace is trimmed. A
 * line that is not an absolute http(s) URL (malformed, `ftp:`, `file:`) or is longer than {@link MAX_URL_LINE_CHARS}
 * does not stop the run: it comes out as a failed item, ends up in `stats.failed` with its line number, and the CLI
 * exits 3. A list that cannot be read at all (missing file, list URL answering non-2xx) is bad input: EINPUT naming
 * `urls`. Credentials in URLs are masked (`user:***@`) in every reason and item.
 */
export async function* readUrlList(source: UrlSource, options: UrlListOptions = {}): AsyncGenerator<UrlItem> {
  let lineNo = 0;
  for await (const raw of linesOf(source, options)) {
    lineNo++;
    if (typeof raw !== 'string') {
      if ('chars' in raw) {
        const shown = redactUrl(raw.head.trim().slice(0, SHOWN_CHARS));
        yield {
          item: `${shown}…`,
          reason: `line ${lineNo}: longer than ${MAX_URL_LINE_CHARS} characters (${raw.chars}), not fetched`,
        };
      } else {
        yield { item: redactUrl(String(raw.value).slice(0, SHOWN_CHARS)), reason: `entry ${lineNo}: not a string` };
      }
      continue;
    }
    const line = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.length > MAX_URL_LINE_CHARS) {
      // an iterable from the library API hands whole strings: apply the same cap
      yield {
        item: `${redactUrl(line.slice(0, SHOWN_CHARS))}…`,
        reason: `line ${lineNo}: longer than ${MAX_URL_LINE_CHARS} characters (${line.length}), not fetched`,
      };
      continue;
    }
    const checked = checkHttpUrl(line);
    yield checked.ok
      ? { url: line }
      : { item: redactUrl(line), reason: `line ${lineNo}: ${redactUrl(checked.reason)}` };
  }
}

/** A line of a list: its text, or (too long) its first characters and length; or a non-string from an iterable. */
type Line = string | { head: string; chars: number } | { value: unknown };

async function* linesOf(source: UrlSource, options: UrlListOptions): AsyncIterable<Line> {
  if (typeof source !== 'string') {
    for await (const v of source as AsyncIterable<unknown>) yield typeof v === 'string' ? v : { value: v };
    return;
  }
  if (/^https?:\/\//i.test(source)) {
    yield* cappedLines(await openListUrl(source, options));
    return;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw inputError(`Expected \`urls\` to be a file path or an http(s) URL of a list, got \`${redactUrl(source)}\``);
  }
  try {
    const s = await stat(source);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw inputError(
      `Expected \`urls\` to be a readable file or an http(s) URL of a list, got \`${source}\` (${(err as Error).message})`,
    );
  }
  yield* cappedLines(createReadStream(source, { encoding: 'utf8' }));
}

async function openListUrl(url: string, options: UrlListOptions): Promise<Readable> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const res = await request(new URL(url), {
      method: 'GET',
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: guardedDispatcher(options.allowLinkLocal === true),
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump();
      throw new Error(`HTTP ${res.statusCode}`);
    }
    res.body.setEncoding('utf8');
    return res.body;
  } catch (err) {
    const e = err as { code?: string; message?: string; name?: string };
    const why =
      e.name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : e.code === 'EFANOUT_LINK_LOCAL'
          ? (e.message ?? e.code)
          : (e.code ?? e.message ?? String(err));
    throw inputError(`Could not read the URL list \`${redactUrl(url)}\` given as \`urls\`: ${redactUrl(why)}`);
  }
}

/**
 * Splits a text stream into lines (LF or CRLF) without ever holding more than {@link MAX_URL_LINE_CHARS} of one line:
 * readline would buffer a 50 MB line whole before the cap could look at it.
 */
async function* cappedLines(stream: AsyncIterable<string | Buffer>): AsyncIterable<Line> {
  let buf = '';
  /** Characters of the current line seen so far once it went over the cap; -1 while it is within. */
  let over = -1;
  let head = '';
  for await (const chunk of stream) {
    let text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (;;) {
      const nl = text.indexOf('\n');
      const piece = nl < 0 ? text : text.slice(0, nl);
      if (over >= 0) over += piece.length;
      else if (buf.length + piece.length > MAX_URL_LINE_CHARS + 1) {
        head = (buf + piece).slice(0, SHOWN_CHARS);
        over = buf.length + piece.length;
        buf = '';
      } else buf += piece;
      if (nl < 0) break;
      if (over >= 0) yield { head, chars: over };
      else yield buf.endsWith('\r') ? buf.slice(0, -1) : buf;
      buf = '';
      over = -1;
      text = text.slice(nl + 1);
    }
  }
  if (over >= 0) yield { head, chars: over };
  else if (buf !== '') yield buf;
}
