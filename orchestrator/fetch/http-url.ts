/** A URL that fetch accepts, or the reason it does not. */
export type CheckedUrl = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Accepts absolute http(s) URLs only. Anything else (a relative path, `file:`, `ftp:`, `data:`) is refused here, before
 * any request, so a URL list cannot make fanout read local files or speak other protocols.
 */
export function checkHttpUrl(text: string, base?: URL): CheckedUrl {
  let url: URL;
  try {
    url = base ? new URL(text, base) : new URL(text);
  } catch {
    return { ok: false, reason: `malformed URL \`${clip(text)}\`` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `unsupported scheme \`${url.protocol}\` in \`${clip(text)}\` (only http and https)` };
  }
  return { ok: true, url };
}

/**
 * Milliseconds a `Retry-After` header asks for: delta-seconds or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
