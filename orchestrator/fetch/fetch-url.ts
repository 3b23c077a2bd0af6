import { setTimeout as delay } from 'node:timers/promises';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { withDeadline } from '../deadline.js';
import { redactUrl } from '../redact-url.js';
import { backoffDelay } from '../scheduler/backoff.js';
import { blockedAddressReason, guardedDispatcher, LINK_LOCAL_CODE, linkLocalError } from './address-guard.js';
import type { ResolvedFetchOptions } from './fetch-options.js';
import { checkHttpUrl, parseRetryAfter } from './http-url.js';
import { request } from './undici-core.js';

/** How one attempt ended, for the shared per-status counters. */
export type AttemptClass = 'status2xx' | 'status3xx' | 'status4xx' | 'status5xx' | 'networkErrors';

/** A fetched document. `body` is a standalone ArrayBuffer so it can be transferred to another thread without a copy. */
export interface FetchSuccess {
  ok: true;
  url: string;
  status: number;
  body: ArrayBuffer;
  attempts: number;
}

/** A URL that failed for good (after retries, or at once for a permanent error). */
export interface FetchFailure {
  ok: false;
  url: string;
  reason: string;
  attempts: number;
}

/** What {@link fetchUrl} resolves with: it never rejects, except with the reason of `signal` when that aborts. */
export type FetchResult = FetchSuccess | FetchFailure;

type Attempt =
  | { kind: 'ok'; status: number; body: ArrayBuffer }
  | { kind: 'retry' | 'fail'; reason: string; cls: AttemptClass; retryAfterMs?: number };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Extra context of {@link fetchUrl}. */
export interface FetchUrlContext {
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Extra request headers (the run id, see fetch-protocol's FetchWorkerData). */
  headers?: Record<string, string>;
  /** Called after every attempt with its class and whether it produced a document (for shared counters). */
  onAttempt?(cls: AttemptClass, bodyBytes: number | undefined): void;
}

/**
 * GETs `url` with a deadline per attempt, retries with jittered backoff on 429, 5xx, resets and timeouts (honouring
 * `Retry-After`), follows at most `maxRedirects` redirects to http(s) URLs only, and refuses bodies over
 * `maxBodyBytes`. 4xx other than 429, a bad scheme, an oversize body and a link-local / cloud-metadata address (unless
 * `allowLinkLocal`; see address-guard.ts) are permanent: no retry. Reasons never quote URL credentials.
 */
export async function fetchUrl(url: string, o: ResolvedFetchOptions, ctx: FetchUrlContext = {}): Promise<FetchResult> {
  const checked = checkHttpUrl(url);
  if (!checked.ok) return { ok: false, url, reason: redactUrl(checked.reason), attempts: 0 };
  const dispatcher = ctx.dispatcher ?? guardedDispatcher(o.allowLinkLocal);
  const signal = ctx.signal;
  const headers = requestHeaders(ctx.headers);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const a = await attemptOnce(checked.url, o, dispatcher, signal, headers);
    ctx.onAttempt?.(a.kind === 'ok' ? 'status2xx' : a.cls, a.kind === 'ok' ? a.body.byteLength : undefined);
    if (a.kind === 'ok') return { ok: true, url, status: a.status, body: a.body, attempts: attempt };
    if (a.kind === 'fail' || attempt > o.retries) {
      const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
      return { ok: false, url, reason: `${a.reason}${tries}`, attempts: attempt };
    }
    const serverMs = a.retryAfterMs === undefined ? undefined : Math.min(a.retryAfterMs, o.maxRetryAfterMs);
    await delay(backoffDelay(attempt, o.backoff, Math.random, serverMs), undefined, signal ? { signal } : {});
  }
}

const BASE_HEADERS = { 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'fanout' } as const;
const preparedHeaders = new WeakMap<Record<string, string>, Record<string, string>>();

/** The request headers: the caller's extra ones (made once per headers object, not per request) and ours. */
function requestHeaders(extra: Record<string, string> | undefined): Record<string, string> {
  if (!extra) return BASE_HEADERS;
  let headers = preparedHeaders.get(extra);
  if (!headers) {
    headers = { ...extra, ...BASE_HEADERS };
    preparedHeaders.set(extra, headers);
  }
  return headers;
}

async function attemptOnce(
  url: URL,
  o: ResolvedFetchOptions,
  dispatcher: Dispatcher,
  outer: AbortSignal | undefined,
  headers: Record<string, string>,
): Promise<Attempt> {
  // one deadline for the whole attempt: redirects, headers and body together
  const deadline = withDeadline(o.timeoutMs, outer);
  const signal = deadline.signal;
  let current = url;
  try {
    for (let hops = 0; ; hops++) {
      // an address literal is refused here, before any socket, whatever the dispatcher; names at connect time
      const blocked = o.allowLinkLocal ? undefined : blockedAddressReason(current.hostname);
      if (blocked) {
        const refusal = linkLocalError(blocked).message;
        return { kind: 'fail', reason: hops > 0 ? `redirect: ${refusal}` : refusal, cls: 'networkErrors' };
      }
      const res = await request(current, {
        method: 'GET',
        signal,
        headers,
        dispatcher,
      });
      const status = res.statusCode;
      if (REDIRECTS.has(status)) {
        await res.body.dump();
        const location = res.headers.location;
        if (hops >= o.maxRedirects)
          return { kind: 'fail', reason: `more than ${o.maxRedirects} redirects`, cls: 'status3xx' };
        if (typeof location !== 'string')
          return { kind: 'fail', reason: `HTTP ${status} without Location`, cls: 'status3xx' };
        const next = checkHttpUrl(location, current);
        if (!next.ok) return { kind: 'fail', reason: `redirect to ${redactUrl(next.reason)}`, cls: 'status3xx' };
        current = next.url;
        continue;
      }
      if (status < 200 || status >= 300) {
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        await res.body.dump();
        const cls: AttemptClass = status >= 500 ? 'status5xx' : status >= 400 ? 'status4xx' : 'status3xx';
        const retry = status === 429 || status >= 500;
        return {
          kind: retry ? 'retry' : 'fail',
          reason: `HTTP ${status}`,
          cls,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
        res.body.destroy();
        return { kind: 'fail', reason: overCap(declared, o.maxBodyBytes), cls: 'networkErrors' };
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > o.maxBodyBytes) {
          res.body.destroy();
          return { kind: 'fail', reason: overCap(total, o.maxBodyBytes), cls: 'networkErrors' };
        }
        chunks.push(chunk);
      }
      const body = decode(concat(chunks, total), res.headers['content-encoding'], o.maxBodyBytes);
      if (typeof body === 'string') return { kind: 'fail', reason: body, cls: 'networkErrors' };
      return { kind: 'ok', status, body };
    }
  } catch (err) {
    if (outer?.aborted) throw outer.reason;
    if (deadline.timedOut())
      return { kind: 'retry', reason: `timed out after ${o.timeoutMs} ms`, cls: 'networkErrors' };
    const e = err as { code?: string; message?: string };
    if (e.code === LINK_LOCAL_CODE) {
      const where = current === url ? '' : 'redirect: ';
      return { kind: 'fail', reason: `${where}${e.message}`, cls: 'networkErrors' };
    }
    const reason = redactUrl([e.code, e.message].filter(Boolean).join(': ') || String(err));
    return { kind: 'retry', reason, cls: 'networkErrors' };
  } finally {
    deadline.clear();
  }
}

function overCap(bytes: number, max: number): string {
  return `body over max-body (${bytes} > ${max} bytes)`;
}

/**
 * Copies the chunks once into a fresh, exactly sized ArrayBuffer (never a pooled slab, which must not be transferred).
 * `allocUnsafeSlow`: its own ArrayBuffer, not zero-filled first (every byte is written here), which took a third of
 * this function's time in a profile of 3,000 fetches.
 */
function concat(chunks: Buffer[], total: number): Uint8Array<ArrayBuffer> {
  const out = Buffer.allocUnsafeSlow(total) as Uint8Array<ArrayBuffer>;
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Undoes Content-Encoding here, in the fetch thread, so decompression never runs on the main event loop. The cap
 * applies to the decompressed size too (a zip bomb fails for good). Returns a reason string on failure.
 */
function decode(
  raw: Uint8Array<ArrayBuffer>,
  encoding: string | string[] | undefined,
  max: number,
): ArrayBuffer | string {
  const enc = (Array.isArray(encoding) ? encoding[0] : encoding)?.trim().toLowerCase();
  if (!enc || enc === 'identity') return raw.buffer;
  const opts = { maxOutputLength: max };
  try {
    let out: Buffer;
    if (enc === 'gzip' || enc === 'x-gzip') out = gunzipSync(raw, opts);
    else if (enc === 'deflate') out = inflateSync(raw, opts);
    else if (enc === 'br') out = brotliDecompressSync(raw, opts);
    else return `unsupported content-encoding \`${enc}\``;
    return concat([out], out.length).buffer;
  } catch (err) {
    const e = err as { code?: string };
    return e.code === 'ERR_BUFFER_TOO_LARGE' ? `decompressed body over max-body (${max} bytes)` : `bad ${enc} body`;
  }
}
